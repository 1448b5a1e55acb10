// Package host is the SAA runtime as a library: the one API through which the
// CLI, the REST server, MCP and local Go agents run plugin actions, with the
// same checks on every path.
//
//	rt, err := host.New(ctx, host.DefaultConfig())
//	out, err := rt.Invoke(ctx, principal, "echo", "echo", []byte(`{"message":"hi"}`))
//
// Invoke checks the principal's scopes, validates the input against the
// action's schema, runs the plugin in a sandboxed instance that no other
// principal ever shares, sends its outbound HTTP through the egress guard
// (which alone injects secrets), scrubs secret values from what comes back,
// and validates the output. An output over the action's RAG threshold (or
// any, with WithReturnHandle) becomes a handle only its principal can
// Search and expand (Chunks); see host/rag.
//
// The machinery lives in sub-packages: host/wasm (the engine), host/egress,
// host/secrets, host/store, host/auth, host/rag. Nothing here imports the HTTP layer.
package host
