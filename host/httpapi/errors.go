package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/problem"
)

// Problem kinds of this package, beyond those host/problem shares. Each is
// the last segment of a stable type URI (problem.TypeBase + kind).
const (
	KindInvalidJSON       = "invalid-json"
	KindInvalidInput      = "invalid-input"
	KindPayloadTooLarge   = "payload-too-large"
	KindUnsupportedMedia  = "unsupported-media-type"
	KindRateLimited       = "rate-limited"
	KindConcurrencyLimit  = "concurrency-limited"
	KindPluginFailed      = "plugin-failed"
	KindPluginCrashed     = "plugin-crashed"
	KindInvalidOutput     = "invalid-output"
	KindOutputTooLarge    = "output-too-large"
	KindPluginTimeout     = "plugin-timeout"
	KindBusy              = "busy"
	KindIdempotencyBusy   = "idempotency-in-progress"
	KindIdempotencyReused = "idempotency-key-reused"
	KindInvalidCallback   = "invalid-callback"
)

// invokeError maps an error of host.Runtime.Invoke to the problem the caller
// sees. Only messages that are meant for the caller pass through: schema
// violations of the input, and errors a plugin returned on purpose (already
// scrubbed of secret values by the runtime). Everything else gets a fixed
// detail.
func invokeError(err error) *problem.Error {
	var scope *host.ScopeError
	switch {
	case errors.As(err, &scope):
		return problem.New(http.StatusForbidden, problem.KindInsufficientScope,
			"the token lacks scope "+strings.Join(scope.Missing, " "))
	case errors.Is(err, host.ErrNotFound):
		return problem.New(http.StatusNotFound, problem.KindNotFound, "no such action")
	case errors.Is(err, host.ErrInvalidInput):
		return problem.New(http.StatusUnprocessableEntity, KindInvalidInput, err.Error())
	case errors.Is(err, host.ErrInvalidOutput):
		return problem.New(http.StatusBadGateway, KindInvalidOutput, "the plugin's output does not match its schema")
	case errors.Is(err, host.ErrOutputTooLarge):
		return problem.New(http.StatusBadGateway, KindOutputTooLarge, "the plugin's output exceeds its limit")
	case errors.Is(err, host.ErrTimeout):
		return problem.New(http.StatusGatewayTimeout, KindPluginTimeout, "the plugin ran past its timeout")
	case errors.Is(err, host.ErrBusy), errors.Is(err, context.DeadlineExceeded):
		return problem.New(http.StatusServiceUnavailable, KindBusy, "the plugin is at capacity; retry later")
	case errors.Is(err, host.ErrPluginCrashed):
		return problem.New(http.StatusBadGateway, KindPluginCrashed, "the plugin crashed")
	case errors.Is(err, host.ErrPluginFailed):
		return problem.New(http.StatusBadGateway, KindPluginFailed, err.Error())
	}
	return problem.New(http.StatusInternalServerError, problem.KindInternal, "internal error")
}

// outcome names an invocation's result for metrics and logs: "ok" or the
// problem kind.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return invokeError(err).Kind
}
