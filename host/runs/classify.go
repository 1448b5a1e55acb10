package runs

import (
	"context"
	"errors"
	"strings"

	"github.com/secure-agent/saa/host"
)

// Error kinds of a failed run. Those of host.Runtime.Invoke match the HTTP
// problem kinds of synchronous calls.
const (
	KindInterrupted       = "interrupted"
	KindInsufficientScope = "insufficient-scope"
	KindNotFound          = "not-found"
	KindInvalidInput      = "invalid-input"
	KindInvalidOutput     = "invalid-output"
	KindOutputTooLarge    = "output-too-large"
	KindPluginTimeout     = "plugin-timeout"
	KindBusy              = "busy"
	KindPluginCrashed     = "plugin-crashed"
	KindPluginFailed      = "plugin-failed"
	KindInternal          = "internal"
	KindRAGQuota          = "rag-quota-exceeded"
	KindRAGFailed         = "rag-failed"
	// KindAccountNotConnected: the action needs the user's account at an
	// OAuth provider, not connected (or to be reconnected).
	KindAccountNotConnected = "account-not-connected"
)

// Messages of interrupted runs.
const (
	msgRestarted = "the server stopped while the run was running; it was not run again, " +
		"because the action may already have had its effect"
	msgShutdown = "the server shut down before the run finished"
)

// Classify turns an error of host.Runtime.Invoke into the kind and message
// stored with a failed run. Only messages meant for the caller pass through
// (schema violations of the input, errors a plugin returned on purpose, both
// already scrubbed of secrets); anything else gets a fixed message.
func Classify(err error) (kind, message string) {
	var scope *host.ScopeError
	var account *host.AccountError
	switch {
	case errors.As(err, &scope):
		return KindInsufficientScope, "the token lacks scope " + strings.Join(scope.Missing, " ")
	case errors.Is(err, host.ErrNotFound):
		return KindNotFound, "no such action"
	case errors.Is(err, host.ErrInvalidInput):
		return KindInvalidInput, err.Error()
	case errors.Is(err, host.ErrInvalidOutput):
		return KindInvalidOutput, "the plugin's output does not match its schema"
	case errors.Is(err, host.ErrOutputTooLarge):
		return KindOutputTooLarge, "the plugin's output exceeds its limit"
	case errors.Is(err, host.ErrTimeout):
		return KindPluginTimeout, "the plugin ran past its timeout"
	case errors.Is(err, host.ErrBusy), errors.Is(err, context.DeadlineExceeded):
		return KindBusy, "the plugin is at capacity"
	case errors.Is(err, host.ErrPluginCrashed):
		return KindPluginCrashed, "the plugin crashed"
	case errors.Is(err, host.ErrPluginFailed):
		return KindPluginFailed, err.Error()
	case errors.As(err, &account):
		return KindAccountNotConnected, account.Error()
	case errors.Is(err, host.ErrRAGQuota), errors.Is(err, host.ErrRAGFailed):
		return ragKind(err), err.Error()
	}
	return KindInternal, "internal error"
}

func ragKind(err error) string {
	if errors.Is(err, host.ErrRAGQuota) {
		return KindRAGQuota
	}
	return KindRAGFailed
}
