//go:build wasip1

// Command rawout outputs whatever bytes its input names, unchecked: a
// plugin whose output the host must judge alone (duplicate names, invalid
// UTF-8).
package main

import (
	"encoding/base64"

	"github.com/secure-agent/saa/pdk"
)

type input struct {
	Raw string `json:"raw"`
}

//go:wasmexport emit
func emit() int32 {
	var in input
	if err := pdk.InputJSON(&in); err != nil {
		pdk.SetError(err)
		return 1
	}
	out, err := base64.StdEncoding.DecodeString(in.Raw)
	if err != nil {
		pdk.SetError(err)
		return 1
	}
	pdk.Output(out)
	return 0
}

func main() {}
