//go:build wasip1

// Command deadlock is a hostile test plugin: its action run blocks every
// goroutine (itself and a helper) on channels nobody sends to; the Go runtime
// detects it and aborts the module.
package main

import "github.com/secure-agent/saa/pdk"

//go:wasmexport run
func run() int32 {
	_ = pdk.Input()
	never := make(chan int)
	go func() { never <- <-never }()
	return int32(<-never)
}

func main() {}
