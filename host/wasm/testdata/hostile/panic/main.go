//go:build wasip1

// Command panic is a hostile test plugin: its action run panics, outside
// pdk.Run so that nothing recovers it; the Go runtime then exits the module.
package main

import "github.com/secure-agent/saa/pdk"

//go:wasmexport run
func run() int32 {
	panic("hostile panic: " + string(pdk.Input()))
}

func main() {}
