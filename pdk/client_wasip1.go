//go:build wasip1

package pdk

import (
	"encoding/json"
	"fmt"

	"github.com/secure-agent/saa/pdk/wire"
)

// ClientLog sends a log message to the client that made the call (MCP
// notifications/message), at one of MCP's levels: debug, info, notice,
// warning, error, critical, alert, emergency. data is any JSON value.
func ClientLog(level string, data any) error {
	_, err := clientOp(wire.OpLog, wire.ClientLog{Level: level, Data: data})
	return err
}

// Progress reports progress to the client (MCP notifications/progress):
// progress out of total (0 when unknown). It is a no-op, without error, when
// the client did not ask for progress.
func Progress(progress, total float64, message string) error {
	_, err := clientOp(wire.OpProgress, wire.ClientProgress{Progress: progress, Total: total, Message: message})
	return err
}

// Sample asks the client's model for a message: params and the returned
// result are MCP's sampling/createMessage params and result. The client
// (and its user) decide whether to answer.
func Sample(params any) (json.RawMessage, error) { return clientOp(wire.OpSample, params) }

// Elicit asks the user, through the client, for input: params and the
// returned result are MCP's elicitation/create params and result
// ({"action":"accept"|"decline"|"cancel","content":{...}}).
func Elicit(params any) (json.RawMessage, error) { return clientOp(wire.OpElicit, params) }

// AddContent adds an MCP content block (text, image, audio, resource_link,
// resource) to the result the client sees. Without any, an MCP client sees
// the output JSON as text; the output itself is always returned as well.
func AddContent(block any) error {
	_, err := clientOp(wire.OpContent, block)
	return err
}

// clientOp sends one operation through saa_client. The plugin owns both
// blocks and frees them, as with HTTP.
func clientOp(op string, params any) ([]byte, error) {
	b, err := encodeClientRequest(op, params)
	if err != nil {
		return nil, err
	}
	in := allocBytes(b)
	offset := saaClient(in.offset)
	in.free()
	if offset == 0 {
		return nil, fmt.Errorf("%s: %w: host returned no response", op, ErrClient)
	}
	out := readBlock(offset)
	block{offset: offset}.free()
	return decodeClientResponse(op, out)
}
