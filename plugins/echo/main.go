//go:build wasip1

// Command echo is the smallest SAA plugin: its one action, echo, returns its
// input unchanged. Scripts and examples rely on it.
package main

import "github.com/secure-agent/saa/pdk"

func main() {} // never called: a plugin is a reactor

// echo returns its input byte for byte. The host has already checked the
// input against the action's schema: {"message": string}.
//
//go:wasmexport echo
func echo() int32 {
	pdk.Output(pdk.Input())
	return 0
}
