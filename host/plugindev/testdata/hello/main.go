//go:build wasip1

// Command hello is the plugin plugindev's tests build.
package main

import "github.com/secure-agent/saa/pdk"

type input struct {
	Name string `json:"name"`
}

//go:wasmexport hello
func hello() int32 {
	return pdk.Run(func(in input) (string, error) { return "hello " + in.Name, nil })
}

func main() {}
