//go:build wasip1

// Command env is a hostile test plugin: its action run returns the process
// environment and arguments it was given: {"environ": [...], "args": [...]}.
package main

import (
	"os"

	"github.com/secure-agent/saa/pdk"
)

//go:wasmexport run
func run() int32 {
	out := map[string][]string{"environ": os.Environ(), "args": os.Args}
	if err := pdk.OutputJSON(out); err != nil {
		pdk.SetError(err)
		return 1
	}
	return 0
}

func main() {}
