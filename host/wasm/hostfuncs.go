package wasm

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tetratelabs/wazero/api"

	"github.com/secure-agent/saa/pdk/wire"
)

// blocks is what SAA's host functions see of a guest: its Extism memory
// blocks, whichever engine runs it.
type blocks interface {
	// read returns a copy of the block at off (empty if none starts there).
	read(off uint64) ([]byte, error)
	// write copies b into a new block and returns its offset.
	write(b []byte) (uint64, error)
}

// userModule is the import module of SAA's host functions.
const userModule = wire.Namespace

// hostFunc is one of SAA's own host functions, imported by guests from
// module wire.Namespace.
type hostFunc struct {
	name            string
	params, results []api.ValueType
	call            func(ctx context.Context, mem blocks, stack []uint64)
}

// hostFuncs lists SAA's host functions. This is the one place to add one:
// both engines register exactly this list.
func hostFuncs() []hostFunc {
	return []hostFunc{
		jsonFunc(wire.HTTPRequestFunc, handleHTTP),
		jsonFunc(wire.WarehouseFunc, handleWarehouse),
		jsonFunc(wire.ClientFunc, handleClient),
	}
}

// jsonFunc is a host function in the shape all of SAA's share: a block
// holding a JSON request in, a block holding a JSON response out (never 0).
// The guest owns and frees both blocks.
func jsonFunc[R any](name string, handle func(ctx context.Context, mem blocks, offset uint64) R) hostFunc {
	return hostFunc{
		name: name, params: []api.ValueType{i64}, results: []api.ValueType{i64},
		call: func(ctx context.Context, mem blocks, stack []uint64) {
			stack[0] = writeJSON(mem, handle(ctx, mem, stack[0]))
		},
	}
}

// handleHTTP answers saa_http_request through the Egress set on the call.

func handleHTTP(ctx context.Context, mem blocks, offset uint64) wire.HTTPResponse {
	raw, err := mem.read(offset)
	if err != nil {
		return wire.HTTPResponse{Error: "read request: " + err.Error()}
	}
	var req wire.HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return wire.HTTPResponse{Error: "decode request: " + err.Error()}
	}
	egress, _ := ctx.Value(egressKey{}).(Egress)
	if egress == nil {
		return wire.HTTPResponse{Error: "egress denied: no outbound access for this call"}
	}
	return egress(ctx, req)
}

// writeJSON writes v into a new guest block and returns its offset.
func writeJSON(mem blocks, v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"encode response"}`)
	}
	off, err := mem.write(b)
	if err != nil {
		// The guest is out of memory; a panic here becomes the call's error.
		panic(fmt.Sprintf("write host function response: %v", err))
	}
	return off
}
