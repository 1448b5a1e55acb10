package wasm

import (
	"context"
	"errors"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/secure-agent/saa/pdk/wire"
)

// pageSize is the size of one WebAssembly memory page.
const pageSize = 64 << 10

// Limits bound every call of a module.
type Limits struct {
	MemoryBytes int64         // rounded down to whole 64 KiB pages
	Timeout     time.Duration // per call; always > 0 so a spinning guest can be stopped
	MaxOutput   int64
}

// Options configure how a module is compiled and pooled.
type Options struct {
	Name   string // plugin name, for errors and logs
	Limits Limits
	// Config is the plugin's config map (Extism config_get). Each instance gets
	// its own copy.
	Config map[string]string
	// Cache, when set, keeps compiled machine code across restarts.
	Cache wazero.CompilationCache
	Pool  PoolOptions
	// Engine picks the ABI implementation; empty means EngineSAA.
	Engine Engine
	// LogLevel is the least severe guest log line passed to the call's
	// Logger (EngineSAA only). Zero means none, as go-sdk does unless its
	// process-wide level is set: guests skip logging entirely.
	LogLevel extism.LogLevel
	// standardABI turns bulk I/O off, so tests exercise the standard ABI
	// on SAA's kernel too.
	standardABI bool
}

// Egress sends one HTTP request on behalf of the guest. It is set per call
// with WithEgress; a call without one refuses every request.
type Egress func(ctx context.Context, req wire.HTTPRequest) wire.HTTPResponse

type egressKey struct{}

// WithEgress returns a context whose calls send guest HTTP requests to e.
func WithEgress(ctx context.Context, e Egress) context.Context {
	return context.WithValue(ctx, egressKey{}, e)
}

// Module is a compiled plugin with its pool of instances.
type Module struct {
	name     string
	limits   Limits
	compiled compiled
	pool     *pool
}

// Compile compiles wasm, whose integrity the caller has already verified.
func Compile(ctx context.Context, wasm []byte, opts Options) (*Module, error) {
	if opts.Limits.Timeout <= 0 {
		return nil, errors.New("compile: a timeout is required")
	}
	c, err := compileWith(ctx, opts.Engine, wasm, opts)
	if err != nil {
		return nil, err
	}
	m := &Module{name: opts.Name, limits: opts.Limits, compiled: c}
	m.pool = newPool(c.instantiate, opts.Pool)
	return m, nil
}

// Close releases the module, its instances and its wazero runtime.
func (m *Module) Close(ctx context.Context) error {
	m.pool.close(ctx)
	return m.compiled.close(ctx)
}

// Stats reports the pool's state, for metrics.
func (m *Module) Stats() PoolStats { return m.pool.stats() }

func copyMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
