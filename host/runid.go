package host

import "context"

type runIDKey struct{}

// WithRunID returns a context whose invocation is recorded under run id, so
// that the audit entry, the X-Run-Id header and an async run share one id.
func WithRunID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, runIDKey{}, id)
}

// RunID returns the run id set by WithRunID, or "".
func RunID(ctx context.Context) string {
	id, _ := ctx.Value(runIDKey{}).(string)
	return id
}

type mcpSessionKey struct{}

// WithMCPSession returns a context whose invocation is recorded as coming
// through MCP session id.
func WithMCPSession(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, mcpSessionKey{}, id)
}

// MCPSession returns the session id set by WithMCPSession, or "".
func MCPSession(ctx context.Context) string {
	id, _ := ctx.Value(mcpSessionKey{}).(string)
	return id
}
