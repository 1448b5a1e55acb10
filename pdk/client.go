package pdk

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secure-agent/saa/pdk/wire"
)

// ErrClient is wrapped by the error of every client function when the host
// refused the operation: the call did not come from a client that takes it
// (REST and in-process callers take none; an MCP client takes sampling or
// elicitation only if it said so), or the client failed it.
var ErrClient = errors.New("client operation failed")

// encodeClientRequest encodes one operation for the host.
func encodeClientRequest(op string, params any) ([]byte, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("%s: encode params: %w", op, err)
	}
	return json.Marshal(wire.ClientRequest{Op: op, Params: p})
}

// decodeClientResponse decodes the host's answer; Error becomes an error
// wrapping ErrClient.
func decodeClientResponse(op string, b []byte) (json.RawMessage, error) {
	var resp wire.ClientResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, fmt.Errorf("%s: decode response: %w", op, err)
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("%s: %w: %s", op, ErrClient, resp.Error)
	}
	return resp.Result, nil
}
