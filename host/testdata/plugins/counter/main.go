//go:build wasip1

// Command counter counts its calls in a global variable: a test of instance
// isolation, since two principals must never see one count.
package main

import "github.com/secure-agent/saa/pdk"

var calls int

type count struct {
	Calls int `json:"calls"`
}

//go:wasmexport next
func next() int32 {
	return pdk.Run(func(struct{}) (count, error) {
		calls++
		return count{calls}, nil
	})
}

func main() {}
