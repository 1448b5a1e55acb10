//go:build wasip1

package pdk

import (
	"encoding/json"
	"fmt"
)

//go:wasmimport extism:host/user saa_warehouse
func saaWarehouse(requestOffset uint64) uint64

// Warehouse sends req to the host's saa_warehouse function. Memory: as for
// HTTP, the plugin owns both blocks and frees them.
func Warehouse(req *WarehouseRequest) (*WarehouseResponse, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode warehouse request: %w", err)
	}
	in := allocBytes(b)
	offset := saaWarehouse(in.offset)
	in.free()
	if offset == 0 {
		return nil, fmt.Errorf("%w: host returned no response", ErrWarehouse)
	}
	out := readBlock(offset)
	block{offset: offset}.free()
	return decodeWarehouseResponse(out)
}
