//go:build wasip1

// Command bigoutput is a hostile test plugin: its action run tries to return
// 256 MiB. Input {"mode": ...} picks how:
//   - "kernel" (default): allocate 256 MiB in the host's Extism memory and
//     set it as the output, without the guest holding the bytes;
//   - "lie": set a 16-byte block as output but claim it is 256 MiB long;
//   - "guest": build 256 MiB in guest memory and copy it out with pdk.Output.
package main

import "github.com/secure-agent/saa/pdk"

const size = 256 << 20

//go:wasmimport extism:host/env alloc
func extismAlloc(length uint64) uint64

//go:wasmimport extism:host/env output_set
func extismOutputSet(offset, length uint64)

//go:wasmexport run
func run() int32 {
	var in struct {
		Mode string `json:"mode"`
	}
	if err := pdk.InputJSON(&in); err != nil {
		pdk.SetError(err)
		return 1
	}
	switch in.Mode {
	case "lie":
		extismOutputSet(extismAlloc(16), size)
	case "guest":
		b := make([]byte, size)
		for i := range b {
			b[i] = 'x'
		}
		pdk.Output(b)
	default:
		extismOutputSet(extismAlloc(size), size)
	}
	return 0
}

func main() {}
