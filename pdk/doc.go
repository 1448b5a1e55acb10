// Package pdk is the plugin development kit for SAA: what a plugin author
// imports to write an action in standard Go, compiled with
//
//	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared -o name.wasm .
//
// It implements the guest side of the Extism ABI (imports from module
// "extism:host/env": memory blocks, input, output, errors, config, vars, logs),
// copying memory eight bytes per host call, so a plugin built with it runs in
// any Extism host, and SAA's own host functions: saa_http_request, through
// which a plugin asks the host to send an HTTP request, and saa_client, through
// which it reaches the client that made the call (ClientLog, Progress, Sample,
// Elicit, AddContent).
//
// An action is an exported function that returns 0 on success and 1 on error:
//
//	//go:wasmexport greet
//	func greet() int32 { return pdk.Run(greetOne) }
//
// Run decodes the JSON input, calls the function and encodes its result or
// error. Input, Output, SetError and friends are the lower-level pieces.
//
// A plugin never sees a secret. It names one with Secret("token"), which is only
// a reference ("{{secret:token}}") to put in a request header; the host swaps in
// the value on the way out, and only toward hosts the manifest binds the secret
// to. The PDK is not a security boundary: the sandbox and the host's checks are.
// Everything here runs inside the untrusted plugin.
//
// The ABI functions exist only when GOOS=wasip1 (GOOS=wasip1 GOARCH=wasm go doc
// lists them); the types, Secret and LogLevel build everywhere so that plugin
// logic can be unit-tested on the host, and pdk/pdktest runs compiled plugins
// in tests. This
// package must never import anything of SAA's host: it compiles to wasm.
package pdk
