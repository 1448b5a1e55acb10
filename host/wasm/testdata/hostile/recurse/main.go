//go:build wasip1

// Command recurse is a hostile test plugin: its action run recurses without
// bound, growing the goroutine stack until memory or the stack limit ends it.
package main

import "github.com/secure-agent/saa/pdk"

//go:noinline
func deeper(n int) int {
	var frame [128]byte // make every frame cost something
	frame[n%len(frame)] = byte(n)
	return deeper(n+1) + int(frame[0])
}

//go:wasmexport run
func run() int32 {
	_ = pdk.Input()
	return int32(deeper(0))
}

func main() {}
