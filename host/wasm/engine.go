package wasm

import (
	"context"
	"fmt"
)

// Engine names the implementation of the Extism ABI that runs guests.
type Engine string

const (
	// EngineSAA is SAA's own kernel on wazero (env.go, kernel.go): the
	// default, about twice as fast per call and the only one with bulk I/O.
	EngineSAA Engine = "saa"
	// EngineExtism is the Extism go-sdk, the reference implementation the
	// differential tests hold EngineSAA to.
	EngineExtism Engine = "extism"
)

// compiled is a module compiled by one engine.
type compiled interface {
	instantiate(ctx context.Context) (instance, error)
	close(ctx context.Context) error
}

// instance is one sandboxed instance; it runs one call at a time.
type instance interface {
	exists(export string) bool
	call(ctx context.Context, export string, input []byte, log Logger, maxOutput int64) callResult
	close(ctx context.Context) error
	// closed reports whether the guest exited and cannot run again.
	closed() bool
}

// callResult is what an engine reports of one call, before classification.
type callResult struct {
	rc       uint32
	out      []byte // nil when outLen is over the limit: never copied
	outLen   int64
	guestErr string // the message the guest set with error_set
	trap     error  // a trap, panic, exit or refusal by the host
}

func compileWith(ctx context.Context, e Engine, wasm []byte, opts Options) (compiled, error) {
	switch e {
	case EngineSAA, "":
		return compileNative(ctx, wasm, opts)
	case EngineExtism:
		return compileSDK(ctx, wasm, opts)
	}
	return nil, fmt.Errorf("unknown wasm engine %q", e)
}
