package runs

import "errors"

// ErrNotFound means there is no run with that id for this client. A run of
// another client is reported the same way, so ids reveal nothing.
var ErrNotFound = errors.New("no such run")

// ErrNotRunning means the Manager has not been started or is shutting down.
var ErrNotRunning = errors.New("run manager is not running")

// ErrQueueFull means too many runs are waiting; retry later.
var ErrQueueFull = errors.New("too many queued runs")

// ErrInvalidRequest means a Submit request lacks a plugin or action, or
// carries a malformed run id.
var ErrInvalidRequest = errors.New("invalid run request")

// ErrInvalidCallback means the callback URL is not an absolute http(s) URL
// without user information.
var ErrInvalidCallback = errors.New("invalid callback url")

// ErrCallbacksDisabled means a callback URL was given to a Manager that has
// no Sender.
var ErrCallbacksDisabled = errors.New("callbacks are not enabled")

// ErrInvalidKey means an Idempotency-Key is empty, longer than 255 bytes or
// not printable ASCII.
var ErrInvalidKey = errors.New("invalid idempotency key")

// ErrIdempotencyConflict means the Idempotency-Key was already used by this
// client for a different request (HTTP 422).
var ErrIdempotencyConflict = errors.New("idempotency key reused for a different request")

// ErrInFlight means the first request with this Idempotency-Key is still
// being processed (HTTP 409); retry later.
var ErrInFlight = errors.New("a request with this idempotency key is in progress")

// ErrInterrupted means the first request with this Idempotency-Key was cut
// short by a restart, so its outcome is unknown; it is not run again, for the
// reason runs found running at Start are not.
var ErrInterrupted = errors.New("the request with this idempotency key was interrupted")

// ErrIdempotencyDisabled means an Idempotency-Key was given to a Manager
// configured without an Idempotency.
var ErrIdempotencyDisabled = errors.New("idempotency keys are not enabled")

// ErrInvalidSignature means a webhook's headers are missing or malformed, its
// timestamp is outside the tolerance, or no signature matches.
var ErrInvalidSignature = errors.New("invalid webhook signature")

// ErrWebhookKeyRequired means production has no SAA_WEBHOOK_KEY: production
// refuses generated keys.
var ErrWebhookKeyRequired = errors.New("production needs SAA_WEBHOOK_KEY")
