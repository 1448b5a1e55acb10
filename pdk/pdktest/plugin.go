package pdktest

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/secure-agent/saa/pdk"
	"github.com/secure-agent/saa/pdk/wire"
)

// Options is what the stand-in host gives a plugin.
type Options struct {
	// Config answers the plugin's GetConfig.
	Config map[string]string
	// Secrets maps a secret's name to the whole header value the host would
	// send for it ("Bearer xyz"). A request that references a secret not in
	// the map fails, as it would in SAA for an undeclared one.
	Secrets map[string]string
	// HTTP handles saa_http_request once secrets are substituted. Nil means
	// Send: a real request, with no egress checks.
	HTTP func(ctx context.Context, req *wire.HTTPRequest) *wire.HTTPResponse
	// Log receives the plugin's log messages, and go-sdk's own debug
	// messages. Setting it sets go-sdk's process-wide log level to trace.
	Log func(level pdk.LogLevel, msg string)
	// Timeout bounds one call; zero means no bound.
	Timeout time.Duration
}

// cache keeps compiled modules for the life of the process, so that loading
// the same module again costs an instantiation, not a compilation.
var cache = wazero.NewCompilationCache()

// Plugin is one instance of a compiled plugin. Like an Extism plugin, it
// runs one call at a time.
type Plugin struct {
	p *extism.Plugin
}

// Load instantiates wasm with WASI enabled and no allowed hosts, like SAA.
func Load(ctx context.Context, wasm []byte, opts Options) (*Plugin, error) {
	manifest := extism.Manifest{
		Wasm:    []extism.Wasm{extism.WasmData{Data: wasm}},
		Config:  opts.Config,
		Timeout: uint64(opts.Timeout.Milliseconds()),
	}
	cfg := extism.PluginConfig{
		RuntimeConfig: wazero.NewRuntimeConfig().WithCompilationCache(cache),
		EnableWasi:    true,
		ModuleConfig: wazero.NewModuleConfig().WithSysWalltime().WithSysNanotime().
			WithSysNanosleep().WithRandSource(rand.Reader),
	}
	p, err := extism.NewPlugin(ctx, manifest, cfg, []extism.HostFunction{httpFunction(opts)})
	if err != nil {
		return nil, fmt.Errorf("load plugin: %w", err)
	}
	p.SetLogger(func(extism.LogLevel, string) {})
	if opts.Log != nil {
		extism.SetLogLevel(extism.LogLevelTrace)
		p.SetLogger(func(level extism.LogLevel, msg string) {
			opts.Log(pdk.LogLevel(level.ExtismCompat()), msg)
		})
	}
	return &Plugin{p: p}, nil
}

// Call runs action with input and returns its output, or the error the
// plugin set (or the trap that ended it), prefixed with the action's name.
func (p *Plugin) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	_, out, err := p.p.CallWithContext(ctx, action, input)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return out, nil
}

// Close releases the instance.
func (p *Plugin) Close(ctx context.Context) error {
	return p.p.Close(ctx)
}
