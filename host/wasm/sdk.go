package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"
)

// sdkCompiled runs guests on the Extism go-sdk, the reference engine.
type sdkCompiled struct {
	name   string
	config map[string]string
	cp     *extism.CompiledPlugin
}

func compileSDK(ctx context.Context, wasm []byte, opts Options) (*sdkCompiled, error) {
	pages := uint32(opts.Limits.MemoryBytes / pageSize)
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pages)
	if opts.Cache != nil {
		rc = rc.WithCompilationCache(opts.Cache)
	}
	manifest := extism.Manifest{
		Wasm: []extism.Wasm{extism.WasmData{Data: wasm}},
		// Variables get the same bound as in SAA's kernel; a ManifestMemory
		// built in Go would otherwise leave them at 0, which disables them.
		Memory:  &extism.ManifestMemory{MaxPages: pages, MaxVarBytes: maxVarBytes},
		Timeout: uint64(opts.Limits.Timeout.Milliseconds()),
		// AllowedHosts stays empty: Extism's own http_request then refuses
		// every request (see NOTES on why it cannot be trusted).
	}
	var funcs []extism.HostFunction
	for _, f := range hostFuncs() {
		call := f.call
		hf := extism.NewHostFunctionWithStack(f.name, func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			call(ctx, sdkBlocks{p}, stack)
		}, f.params, f.results)
		hf.SetNamespace(userModule)
		funcs = append(funcs, hf)
	}
	cp, err := extism.NewCompiledPlugin(ctx, manifest, extism.PluginConfig{RuntimeConfig: rc, EnableWasi: true}, funcs)
	if err != nil {
		return nil, fmt.Errorf("compile plugin %s: %w", opts.Name, err)
	}
	return &sdkCompiled{name: opts.Name, config: opts.Config, cp: cp}, nil
}

type sdkBlocks struct{ p *extism.CurrentPlugin }

func (b sdkBlocks) read(off uint64) ([]byte, error) { return b.p.ReadBytes(off) }
func (b sdkBlocks) write(p []byte) (uint64, error)  { return b.p.WriteBytes(p) }

func (c *sdkCompiled) close(ctx context.Context) error { return c.cp.Close(ctx) }

func (c *sdkCompiled) instantiate(ctx context.Context) (instance, error) {
	mc := wazero.NewModuleConfig().
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	p, err := c.cp.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: mc})
	if err != nil {
		return nil, fmt.Errorf("instantiate plugin %s: %w", c.name, err)
	}
	p.Config = copyMap(c.config)
	p.SetLogger(func(extism.LogLevel, string) {}) // replaced per call
	if err := warm(ctx, p); err != nil {
		p.Close(ctx)
		return nil, fmt.Errorf("initialize plugin %s: %w", c.name, err)
	}
	return sdkInstance{p}, nil
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

type sdkInstance struct{ p *extism.Plugin }

func (i sdkInstance) exists(name string) bool         { return i.p.FunctionExists(name) }
func (i sdkInstance) close(ctx context.Context) error { return i.p.Close(ctx) }
func (i sdkInstance) closed() bool                    { return false }

func (i sdkInstance) call(ctx context.Context, export string, input []byte, log Logger, _ int64) callResult {
	i.p.SetLogger(log)
	rc, out, err := i.p.CallWithContext(ctx, export, input)
	res := callResult{rc: rc, out: out, outLen: int64(len(out))}
	switch {
	case err != nil && rc == 1 && isGuestError(err):
		res.guestErr = err.Error()
	case err != nil:
		res.trap = err
	}
	return res
}

// isGuestError reports whether err is the message a guest set with
// error_set, as opposed to a trap or exit raised by the engine.
func isGuestError(err error) bool {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return false
	}
	msg := err.Error()
	return !strings.HasPrefix(msg, "wasm error:") && !strings.HasPrefix(msg, "failed to get output")
}
