package pdk

import (
	"errors"
	"testing"
)

func TestDecodeWarehouseResponse(t *testing.T) {
	resp, err := decodeWarehouseResponse([]byte(`{"result":"eyJyb3dzIjpbXX0=","read_set":["tickets.status"]}`))
	if err != nil || string(resp.Result) != `{"rows":[]}` || resp.ReadSet[0] != "tickets.status" {
		t.Fatalf("%+v %v", resp, err)
	}
	if _, err := decodeWarehouseResponse([]byte(`{"error":"query denied: reading tickets.customer_email is not allowed"}`)); !errors.Is(err, ErrWarehouse) {
		t.Fatalf("host refusal: %v", err)
	}
	if _, err := decodeWarehouseResponse([]byte(`{`)); err == nil || errors.Is(err, ErrWarehouse) {
		t.Fatalf("bad JSON: %v", err)
	}
}
