package pdk

import (
	"encoding/json"
	"fmt"

	"github.com/secure-agent/saa/pdk/wire"
)

// WarehouseRequest asks the host to query a warehouse the manifest
// declares, describe it, or rank its semantic layer for a question.
type WarehouseRequest = wire.WarehouseRequest

// WarehouseResponse is the host's answer: Result holds the operation's JSON.
// Its Error field is always empty here: Warehouse turns it into an error.
type WarehouseResponse = wire.WarehouseResponse

// ErrWarehouse is wrapped by the error Warehouse returns when the host
// refused or failed the request: an undeclared or unbound warehouse, SQL
// the guard denies, a timeout. The text after it is the host's reason.
// It is a constant so that plugins that never use warehouses compile to the
// same module as before it existed.
const ErrWarehouse = warehouseError("warehouse request failed")

// warehouseError is the type of ErrWarehouse.
type warehouseError string

func (e warehouseError) Error() string { return string(e) }

func decodeWarehouseResponse(b []byte) (*WarehouseResponse, error) {
	var resp WarehouseResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, fmt.Errorf("decode warehouse response: %w", err)
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("%w: %s", ErrWarehouse, resp.Error)
	}
	return &resp, nil
}
