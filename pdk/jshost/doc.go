// Package jshost holds only a test: it runs SAA's first-party plugins, built
// with the PDK, under the official Extism JS host (npm @extism/extism, in
// Node), which knows nothing of SAA. It proves that the PDK's extras — the
// bulk I/O mailbox and saa_ready — cost a plain Extism host nothing: a
// plugin imports only the Extism kernel and WASI unless it calls
// pdk.HTTP. Run `make test-deps` first to install the npm package.
package jshost
