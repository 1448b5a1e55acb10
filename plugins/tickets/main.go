//go:build wasip1

// Command tickets is an SAA plugin that summarises a batch of support
// tickets: counts, median resolution time and recurring phrases. It is pure
// computation: no egress, no secrets.
package main

import "github.com/secure-agent/saa/pdk"

//go:wasmexport analyze
func analyzeAction() int32 { return pdk.Run(analyze) }
