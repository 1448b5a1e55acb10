package pdk

import (
	"encoding/json"
	"errors"
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
var ErrWarehouse = errors.New("warehouse request failed")

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
