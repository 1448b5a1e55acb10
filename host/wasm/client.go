package wasm

import (
	"context"
	"encoding/json"

	"github.com/secure-agent/saa/pdk/wire"
)

// Client answers a guest's saa_client operations (log, progress, sampling,
// elicitation, result content) for the caller of one call. It is set per
// call with WithClient; a call without one answers every operation but
// progress (which nobody asked for) with an error, so a plugin behaves alike
// on every surface.
type Client func(ctx context.Context, req wire.ClientRequest) wire.ClientResponse

type clientKey struct{}

// WithClient returns a context whose calls send guest client operations to c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the Client set with WithClient.
func ClientFrom(ctx context.Context) (Client, bool) {
	c, ok := ctx.Value(clientKey{}).(Client)
	return c, ok && c != nil
}

// handleClient answers saa_client through the Client set on the call.
func handleClient(ctx context.Context, mem blocks, offset uint64) wire.ClientResponse {
	raw, err := mem.read(offset)
	if err != nil {
		return wire.ClientResponse{Error: "read request: " + err.Error()}
	}
	var req wire.ClientRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return wire.ClientResponse{Error: "decode request: " + err.Error()}
	}
	c, ok := ClientFrom(ctx)
	if !ok && req.Op == wire.OpProgress {
		return wire.ClientResponse{} // nobody asked for progress
	}
	if !ok {
		return wire.ClientResponse{Error: "no client: this call did not come from a client that takes " + req.Op + " requests"}
	}
	return c(ctx, req)
}
