package wasm

import (
	"context"
	"errors"
	"fmt"
	"time"

	extism "github.com/extism/go-sdk"
)

// ErrTimeout means the call ran past its module's timeout and was stopped.
var ErrTimeout = errors.New("plugin timed out")

// ErrCrashed means the guest trapped, panicked, exhausted its memory or
// exited; the instance was discarded.
var ErrCrashed = errors.New("plugin crashed")

// ErrFailed means the guest returned an error of its own.
var ErrFailed = errors.New("plugin failed")

// ErrOutputTooLarge means the guest's output exceeded the module's limit.
var ErrOutputTooLarge = errors.New("plugin output too large")

// ErrBusy means no concurrency slot freed up before the caller gave up.
var ErrBusy = errors.New("plugin busy")

// ErrClosed means the module was closed.
var ErrClosed = errors.New("plugin closed")

// ErrNoExport means the module does not export the requested function.
var ErrNoExport = errors.New("plugin has no such export")

// Logger receives the guest's log lines for one call.
type Logger func(level extism.LogLevel, msg string)

// Call runs export with input in an instance reserved for key (the caller's
// identity). Guest log lines go to log, which may be nil.
func (m *Module) Call(ctx context.Context, key, export string, input []byte, log Logger) ([]byte, error) {
	inst, err := m.pool.acquire(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("plugin/%s: %w", m.name, err)
	}
	if !inst.exists(export) {
		m.pool.release(key, inst)
		return nil, fmt.Errorf("plugin/%s: %w: %s", m.name, ErrNoExport, export)
	}
	if log == nil {
		log = func(extism.LogLevel, string) {}
	}

	callCtx, cancel := shallowContext(ctx, m.limits.Timeout)
	defer cancel()
	res := inst.call(callCtx, export, input, log, m.limits.MaxOutput)
	if err = m.classify(callCtx, res); err != nil {
		m.pool.discard(inst)
		return nil, err
	}
	if inst.closed() {
		m.pool.discard(inst)
	} else {
		m.pool.release(key, inst)
	}
	if m.limits.MaxOutput > 0 && res.outLen > m.limits.MaxOutput {
		return nil, fmt.Errorf("plugin/%s: %w: %d bytes, limit %d", m.name, ErrOutputTooLarge, res.outLen, m.limits.MaxOutput)
	}
	return res.out, nil
}

// shallowContext returns a context for one guest call that carries only
// what the call needs (the deadline, the parent's cancellation, the Egress,
// the Warehouse and the Client) rather than the caller's whole chain: the
// engine looks values up in it on every host call.
func shallowContext(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeoutCause(context.Background(), timeout, context.DeadlineExceeded)
	if e, ok := parent.Value(egressKey{}).(Egress); ok {
		ctx = context.WithValue(ctx, egressKey{}, e)
	}
	if w, ok := parent.Value(warehouseKey{}).(Warehouse); ok {
		ctx = context.WithValue(ctx, warehouseKey{}, w)
	}
	if c, ok := ClientFrom(parent); ok {
		ctx = WithClient(ctx, c)
	}
	stop := context.AfterFunc(parent, cancel)
	return ctx, func() { stop(); cancel() }
}

// classify turns the engine's result into one of this package's errors.
func (m *Module) classify(callCtx context.Context, res callResult) error {
	switch {
	case errors.Is(callCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("plugin/%s: %w after %s", m.name, ErrTimeout, m.limits.Timeout)
	case callCtx.Err() != nil:
		return fmt.Errorf("plugin/%s: call canceled: %w", m.name, callCtx.Err())
	case res.trap != nil:
		return fmt.Errorf("plugin/%s: %w: %v", m.name, ErrCrashed, res.trap)
	case res.guestErr != "":
		return fmt.Errorf("plugin/%s: %w: %s", m.name, ErrFailed, res.guestErr)
	case res.rc != 0:
		return fmt.Errorf("plugin/%s: %w: exit code %d", m.name, ErrFailed, res.rc)
	}
	return nil
}
