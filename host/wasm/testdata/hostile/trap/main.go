//go:build wasip1

// Command trap is a hostile test plugin: its action run crashes the module.
// Input {"mode": ...}:
//   - "oob" (default): load from 2 GiB past a variable, beyond linear memory:
//     a WebAssembly trap (out of bounds memory access), no Go runtime involved;
//   - "nil": write through a nil pointer: a Go runtime panic nothing recovers.
package main

import (
	"unsafe"

	"github.com/secure-agent/saa/pdk"
)

var anchor byte

//go:wasmexport run
func run() int32 {
	var in struct {
		Mode string `json:"mode"`
	}
	_ = pdk.InputJSON(&in)
	if in.Mode == "nil" {
		var p *int
		*p = 1
		return 0
	}
	far := (*[1 << 31]byte)(unsafe.Pointer(&anchor))
	return int32(far[1<<31-1])
}

func main() {}
