package wasm

import (
	"context"
	"encoding/json"
	"fmt"

	extism "github.com/extism/go-sdk"

	"github.com/secure-agent/saa/pdk/wire"
)

// Warehouse answers one guest warehouse request. It is set per call with
// WithWarehouse; a call without one refuses every request.
type Warehouse func(ctx context.Context, req wire.WarehouseRequest) wire.WarehouseResponse

type warehouseKey struct{}

// WithWarehouse returns a context whose calls send guest warehouse requests
// to w.
func WithWarehouse(ctx context.Context, w Warehouse) context.Context {
	return context.WithValue(ctx, warehouseKey{}, w)
}

// warehouseHostFunction is saa_warehouse: JSON request in, JSON response
// out, in the shape of saa_http_request.
func warehouseHostFunction() extism.HostFunction {
	f := extism.NewHostFunctionWithStack(wire.WarehouseFunc,
		func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			stack[0] = writeJSONBlock(p, handleWarehouse(ctx, p, stack[0]))
		},
		[]extism.ValueType{extism.ValueTypeI64}, []extism.ValueType{extism.ValueTypeI64})
	f.SetNamespace(wire.Namespace)
	return f
}

func handleWarehouse(ctx context.Context, p *extism.CurrentPlugin, offset uint64) wire.WarehouseResponse {
	raw, err := p.ReadBytes(offset)
	if err != nil {
		return wire.WarehouseResponse{Error: "read request: " + err.Error()}
	}
	var req wire.WarehouseRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return wire.WarehouseResponse{Error: "decode request: " + err.Error()}
	}
	w, _ := ctx.Value(warehouseKey{}).(Warehouse)
	if w == nil {
		return wire.WarehouseResponse{Error: "warehouse denied: no warehouse access for this call"}
	}
	return w(ctx, req)
}

// writeJSONBlock writes v into a new guest memory block.
func writeJSONBlock(p *extism.CurrentPlugin, v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"encode response"}`)
	}
	off, err := p.WriteBytes(b)
	if err != nil {
		panic(fmt.Sprintf("write response: %v", err)) // the guest is out of memory
	}
	return off
}
