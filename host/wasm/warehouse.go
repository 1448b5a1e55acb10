package wasm

import (
	"context"
	"encoding/json"

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

// handleWarehouse answers saa_warehouse through the Warehouse set on the call.
func handleWarehouse(ctx context.Context, mem blocks, offset uint64) wire.WarehouseResponse {
	raw, err := mem.read(offset)
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
