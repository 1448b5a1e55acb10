package wasm

import (
	"context"
	"encoding/json"
	"fmt"

	extism "github.com/extism/go-sdk"

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

// clientHostFunction is saa_client: JSON request in, JSON response out.
func clientHostFunction() extism.HostFunction {
	f := extism.NewHostFunctionWithStack(wire.ClientFunc,
		func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			stack[0] = writeJSON(p, handleClient(ctx, p, stack[0]))
		},
		[]extism.ValueType{extism.ValueTypeI64}, []extism.ValueType{extism.ValueTypeI64})
	f.SetNamespace(wire.Namespace)
	return f
}

func handleClient(ctx context.Context, p *extism.CurrentPlugin, offset uint64) wire.ClientResponse {
	raw, err := p.ReadBytes(offset)
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

func writeJSON(p *extism.CurrentPlugin, v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"encode response"}`)
	}
	off, err := p.WriteBytes(b)
	if err != nil {
		// The guest is out of memory; a panic here becomes the call's error.
		panic(fmt.Sprintf("write client response: %v", err))
	}
	return off
}
