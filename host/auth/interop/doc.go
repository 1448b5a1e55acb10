// Package interop checks SAA's authorization server against real OAuth
// libraries from npm (oauth4webapi and jose), driven by a Node script from
// `go test`. It holds tests only and must never be imported.
//
// Install the pinned libraries once with `npm ci --prefix host/auth/interop`.
package interop
