package host

import (
	"errors"
	"strings"

	"github.com/secure-agent/saa/host/wasm"
)

// ErrNotFound means no enabled plugin or action has that name.
var ErrNotFound = errors.New("no such action")

// ErrForbidden means the principal lacks a scope the action requires; the
// error is a *ScopeError that names them.
var ErrForbidden = errors.New("insufficient scope")

// ErrInvalidInput means the input is not JSON or does not match the action's
// input schema. The plugin never saw it.
var ErrInvalidInput = errors.New("invalid input")

// ErrInvalidOutput means the plugin's output does not match the action's
// output schema; it is withheld from the caller.
var ErrInvalidOutput = errors.New("invalid plugin output")

// Errors of the plugin run itself.
var (
	// ErrTimeout means the plugin ran past its timeout and was stopped.
	ErrTimeout = wasm.ErrTimeout
	// ErrPluginCrashed means the plugin trapped, panicked or exhausted memory.
	ErrPluginCrashed = wasm.ErrCrashed
	// ErrPluginFailed means the plugin returned an error of its own.
	ErrPluginFailed = wasm.ErrFailed
	// ErrOutputTooLarge means the output exceeded the plugin's limit.
	ErrOutputTooLarge = wasm.ErrOutputTooLarge
	// ErrBusy means the plugin's concurrency cap was reached until the caller gave up.
	ErrBusy = wasm.ErrBusy
)

// ScopeError says which scopes an action needs that the principal lacks.
type ScopeError struct {
	Missing []string
}

func (e *ScopeError) Error() string {
	return "insufficient scope: requires " + strings.Join(e.Missing, " ")
}

// Unwrap makes errors.Is(err, ErrForbidden) true.
func (e *ScopeError) Unwrap() error { return ErrForbidden }

// redactedError carries a message already scrubbed of secret values while
// keeping the sentinel for errors.Is.
type redactedError struct {
	msg  string
	kind error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.kind }

// kindOf returns the sentinel that err wraps, for redactedError.
func kindOf(err error) error {
	for _, k := range []error{ErrTimeout, ErrPluginCrashed, ErrPluginFailed, ErrOutputTooLarge, ErrBusy, ErrNotFound} {
		if errors.Is(err, k) {
			return k
		}
	}
	return ErrPluginFailed
}
