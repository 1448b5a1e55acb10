// Package httpapi is SAA's HTTP server: the REST surface over host.Runtime
// (the action catalog, synchronous and asynchronous invocation, runs), the
// OpenAPI document and its docs page, health and Prometheus metrics, with the
// OAuth server (host/auth) and the admin API (host/adminapi) mounted beside.
//
// Handlers are thin: they decode a request, call the method that the CLI, MCP
// and in-process agents also call, and encode the result. Every error leaves
// as application/problem+json with a stable type per kind (see errors.go).
//
// What this package enforces, and what it does not:
//   - Authentication and scopes are decided by host/auth (the token) and by
//     host.Runtime.Invoke (the action's scopes); the catalog only hides what a
//     caller could not call, it is not the check.
//   - Body size, per-client rate and concurrency limits and server timeouts
//     protect the server's capacity; they are not a security boundary between
//     clients.
//   - Callbacks leave through the egress guard, so a caller cannot make the
//     server POST to a private address the operator did not allow.
//
// It must never log a token, a secret, or a request or response body.
package httpapi
