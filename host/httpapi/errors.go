package httpapi

import (
	"errors"
	"net/http"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/runs"
)

// Problem kinds of this package, beyond those host/problem shares and those
// of failed invocations (runs.Kind*, the same for sync calls and async
// runs). Each is the last segment of a stable type URI
// (problem.TypeBase + kind).
const (
	KindInvalidJSON           = "invalid-json"
	KindPayloadTooLarge       = "payload-too-large"
	KindUnsupportedMedia      = "unsupported-media-type"
	KindRateLimited           = "rate-limited"
	KindConcurrencyLimit      = "concurrency-limited"
	KindInvalidCallback       = "invalid-callback"
	KindInvalidIdempotencyKey = "invalid-idempotency-key"
	KindIdempotencyInFlight   = "idempotency-in-flight"
	KindIdempotencyReused     = "idempotency-key-reused"
	KindIdempotencyLost       = "idempotency-interrupted"
	KindQueueFull             = "queue-full"
)

// Kinds of failed invocations, as runs.Classify names them.
const (
	KindInvalidInput   = runs.KindInvalidInput
	KindInvalidOutput  = runs.KindInvalidOutput
	KindOutputTooLarge = runs.KindOutputTooLarge
	KindPluginTimeout  = runs.KindPluginTimeout
	KindBusy           = runs.KindBusy
	KindPluginCrashed  = runs.KindPluginCrashed
	KindPluginFailed   = runs.KindPluginFailed
)

// invokeStatus is the HTTP status of each kind of failed invocation.
var invokeStatus = map[string]int{
	runs.KindInsufficientScope: http.StatusForbidden,
	runs.KindNotFound:          http.StatusNotFound,
	runs.KindInvalidInput:      http.StatusUnprocessableEntity,
	runs.KindInvalidOutput:     http.StatusBadGateway,
	runs.KindOutputTooLarge:    http.StatusBadGateway,
	runs.KindPluginTimeout:     http.StatusGatewayTimeout,
	runs.KindBusy:              http.StatusServiceUnavailable,
	runs.KindPluginCrashed:     http.StatusBadGateway,
	runs.KindPluginFailed:      http.StatusBadGateway,
	runs.KindRAGQuota:          http.StatusTooManyRequests,
	runs.KindRAGFailed:         http.StatusBadGateway,
	// 409: the request is fine; the user's state (no connected account)
	// conflicts with it until they connect at connect_url.
	runs.KindAccountNotConnected: http.StatusConflict,
}

// invokeError maps an error of host.Runtime.Invoke to the problem the caller
// sees. The kind and message are those runs.Classify gives a failed async
// run, so both paths report a failure alike; only caller-safe messages pass.
func invokeError(err error) *problem.Error {
	kind, msg := runs.Classify(err)
	status, ok := invokeStatus[kind]
	if !ok {
		status, kind, msg = http.StatusInternalServerError, problem.KindInternal, "internal error"
	}
	p := problem.New(status, kind, msg)
	var account *host.AccountError
	if errors.As(err, &account) {
		p.Ext = map[string]string{"connect_url": account.ConnectURL, "provider": account.Provider, "secret": account.Secret}
	}
	return p
}

// outcome names an invocation's result for metrics: "ok" or the problem kind.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	kind, _ := runs.Classify(err)
	return kind
}
