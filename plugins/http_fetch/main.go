//go:build wasip1

// Command http_fetch is an SAA plugin whose action get fetches a page, through
// the host's egress, from the hosts its manifest declares.
package main

import "github.com/secure-agent/saa/pdk"

//go:wasmexport get
func getAction() int32 {
	return pdk.Run(func(in getInput) (getOutput, error) { return get(pdk.HTTP, in) })
}
