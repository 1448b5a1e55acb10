//go:build wasip1

// Command warehouse is SAA's first-party plugin for data warehouses: it
// describes the warehouse "support" as the caller may see it, ranks its
// semantic layer for a question, and runs read-only, parameterised SQL on
// it, all through the host's SQL guard (saa_warehouse). It never sees
// credentials or columns the caller's scopes do not unlock.
package main

import (
	"encoding/json"

	"github.com/secure-agent/saa/pdk"
)

func main() {} // never called: a plugin is a reactor

// warehouseName is the warehouse the manifest declares.
const warehouseName = "support"

//go:wasmexport describe
func describe() int32 {
	return run(&pdk.WarehouseRequest{Warehouse: warehouseName, Op: "describe"})
}

//go:wasmexport context
func contextAction() int32 {
	var in struct {
		Question string `json:"question"`
		Budget   int    `json:"budget"`
	}
	if err := json.Unmarshal(pdk.Input(), &in); err != nil {
		pdk.SetError(err)
		return 1
	}
	return run(&pdk.WarehouseRequest{Warehouse: warehouseName, Op: "context", Question: in.Question, Budget: in.Budget})
}

//go:wasmexport query
func query() int32 {
	var in struct {
		SQL       string `json:"sql"`
		Args      []any  `json:"args"`
		Warehouse string `json:"warehouse"`
	}
	if err := json.Unmarshal(pdk.Input(), &in); err != nil {
		pdk.SetError(err)
		return 1
	}
	name := warehouseName
	if in.Warehouse != "" {
		name = in.Warehouse // the host refuses a warehouse the manifest does not declare
	}
	return run(&pdk.WarehouseRequest{Warehouse: name, Op: "query", SQL: in.SQL, Args: in.Args})
}

// run sends req and outputs the result JSON as the action's output.
func run(req *pdk.WarehouseRequest) int32 {
	resp, err := pdk.Warehouse(req)
	if err != nil {
		pdk.SetError(err)
		return 1
	}
	pdk.Output(resp.Result)
	return 0
}
