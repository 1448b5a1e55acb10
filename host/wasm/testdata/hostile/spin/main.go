//go:build wasip1

// Command spin is a hostile test plugin: its action run never returns. Only
// the host's call deadline can stop it (wazero has no fuel metering).
package main

import "github.com/secure-agent/saa/pdk"

var counter uint64

//go:wasmexport run
func run() int32 {
	_ = pdk.Input()
	for {
		counter++ // a side effect, so the loop cannot be optimised away
	}
}

func main() {}
