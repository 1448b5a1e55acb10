//go:build wasip1

package pdk

// saaReady does nothing. A host calls it on a fresh instance before any
// caller needs it, so that the Go runtime's start-up (a few milliseconds)
// is paid ahead of time rather than on a caller's first request. Any Extism
// host may ignore it.
//
//go:wasmexport saa_ready
func saaReady() int32 { return 0 }
