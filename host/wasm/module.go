package wasm

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
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
	compiled *extism.CompiledPlugin
	pool     *pool
}

// Compile compiles wasm, whose integrity the caller has already verified.
func Compile(ctx context.Context, wasm []byte, opts Options) (*Module, error) {
	if opts.Limits.Timeout <= 0 {
		return nil, errors.New("compile: a timeout is required")
	}
	pages := uint32(opts.Limits.MemoryBytes / pageSize)
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pages)
	if opts.Cache != nil {
		rc = rc.WithCompilationCache(opts.Cache)
	}
	manifest := extism.Manifest{
		Wasm:    []extism.Wasm{extism.WasmData{Data: wasm}},
		Memory:  &extism.ManifestMemory{MaxPages: pages},
		Timeout: uint64(opts.Limits.Timeout.Milliseconds()),
		// AllowedHosts stays empty: Extism's own http_request then refuses
		// every request (see NOTES on why it cannot be trusted).
	}
	cp, err := extism.NewCompiledPlugin(ctx, manifest, extism.PluginConfig{
		RuntimeConfig: rc,
		EnableWasi:    true,
	}, []extism.HostFunction{httpHostFunction(), warehouseHostFunction(), clientHostFunction()})
	if err != nil {
		return nil, fmt.Errorf("compile plugin %s: %w", opts.Name, err)
	}
	m := &Module{name: opts.Name, limits: opts.Limits, compiled: cp}
	m.pool = newPool(m.instantiate(opts.Config), opts.Pool)
	return m, nil
}

// instantiate returns the constructor of fresh, sandboxed instances.
func (m *Module) instantiate(config map[string]string) func(context.Context) (*extism.Plugin, error) {
	return func(ctx context.Context) (*extism.Plugin, error) {
		mc := wazero.NewModuleConfig().
			WithSysWalltime().
			WithSysNanotime().
			WithSysNanosleep().
			WithRandSource(rand.Reader)
		p, err := m.compiled.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: mc})
		if err != nil {
			return nil, fmt.Errorf("instantiate plugin %s: %w", m.name, err)
		}
		p.Config = copyMap(config)
		p.SetLogger(func(extism.LogLevel, string) {}) // replaced per call
		if err := warm(ctx, p); err != nil {
			p.Close(ctx)
			return nil, fmt.Errorf("initialize plugin %s: %w", m.name, err)
		}
		return p, nil
	}
}

// readyExport is the no-op export of SAA's PDK (pdk/ready_wasip1.go).
const readyExport = "saa_ready"

// warm runs the guest's start-up (the Go runtime's _initialize, through the
// SDK's first-call hook) by calling the no-op export, when the module has one.
// Without it, start-up happens on the instance's first real call.
func warm(ctx context.Context, p *extism.Plugin) error {
	if !p.FunctionExists(readyExport) {
		return nil
	}
	_, _, err := p.CallWithContext(ctx, readyExport, nil)
	return err
}

// Close releases the module, its instances and its wazero runtime.
func (m *Module) Close(ctx context.Context) error {
	m.pool.close(ctx)
	return m.compiled.Close(ctx)
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

// httpHostFunction is saa_http_request: JSON request in, JSON response out.
func httpHostFunction() extism.HostFunction {
	f := extism.NewHostFunctionWithStack(wire.HTTPRequestFunc,
		func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			stack[0] = writeResponse(p, handleHTTP(ctx, p, stack[0]))
		},
		[]extism.ValueType{extism.ValueTypeI64}, []extism.ValueType{extism.ValueTypeI64})
	f.SetNamespace(wire.Namespace)
	return f
}

func handleHTTP(ctx context.Context, p *extism.CurrentPlugin, offset uint64) wire.HTTPResponse {
	raw, err := p.ReadBytes(offset)
	if err != nil {
		return wire.HTTPResponse{Error: "read request: " + err.Error()}
	}
	var req wire.HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return wire.HTTPResponse{Error: "decode request: " + err.Error()}
	}
	egress, _ := ctx.Value(egressKey{}).(Egress)
	if egress == nil {
		return wire.HTTPResponse{Error: "egress denied: no outbound access for this call"}
	}
	return egress(ctx, req)
}

func writeResponse(p *extism.CurrentPlugin, resp wire.HTTPResponse) uint64 {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"error":"encode response"}`)
	}
	off, err := p.WriteBytes(b)
	if err != nil {
		// The guest is out of memory; a panic here becomes the call's error.
		panic(fmt.Sprintf("write http response: %v", err))
	}
	return off
}
