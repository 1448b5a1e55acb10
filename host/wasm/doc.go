// Package wasm is the only place SAA touches the WebAssembly engine. It runs
// Extism plugins on wazero through SAA's own implementation of the Extism
// kernel ABI (env.go, kernel.go: module extism:host/env, with blocks kept on
// the Go side) and SAA's host functions (hostfuncs.go: module
// extism:host/user), plus bulk I/O for plugins built with SAA's PDK
// (bulk.go). The Extism go-sdk remains selectable (EngineExtism) as the
// reference the differential tests in host hold this kernel to. It compiles
// a verified module once, keeps pre-instantiated instances in a pool, and
// runs one export per call under the module's limits.
//
// What it guarantees, and what host/hostile_test.go proves with the plugins
// under testdata/hostile:
//   - a guest gets WASI with a real clock and crypto/rand and nothing else: no
//     preopened directories, no environment, no arguments, no sockets;
//   - Extism's built-in http_request is refused, so outbound HTTP exists only
//     through the host function saa_http_request, which forwards to the
//     Egress set on the call;
//   - warehouses are reachable only through saa_warehouse, which forwards to
//     the Warehouse set on the call (a call without one is refused);
//   - a guest reaches its caller's client only through saa_client, which
//     forwards to the Client set on the call (none: an error);
//   - every offset, length and pointer a guest hands the kernel or the bulk
//     I/O mailbox is checked before use; a bad one traps that call only;
//   - memory is capped in pages (the kernel's blocks too) and a call is
//     stopped when its deadline passes, even inside a spinning loop; an
//     instance that failed in any way is closed and never reused;
//   - an instance is reused only by the same caller key, so no guest memory or
//     state is ever shared between two principals.
//
// It must never decide policy: scopes, schemas, egress rules and secrets are
// the caller's business.
package wasm
