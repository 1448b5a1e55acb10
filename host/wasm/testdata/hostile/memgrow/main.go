//go:build wasip1

// Command memgrow is a hostile test plugin: its action run allocates, and
// touches, 1 MiB after 1 MiB without bound, until the memory cap stops it.
package main

import "github.com/secure-agent/saa/pdk"

var keep [][]byte

//go:wasmexport run
func run() int32 {
	_ = pdk.Input()
	for i := 0; ; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i)
		}
		keep = append(keep, b)
	}
}

func main() {}
