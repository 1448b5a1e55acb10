package host_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	extism "github.com/extism/go-sdk"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/egress/egresstest"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/wasm"
)

// The benchmarks below each measure SAA beside a baseline in the same run
// and report both medians and their ratio. `make bench` runs them.

// rawEcho is the floor: the echo module called through the bare go-sdk.
// With timeout set, the SDK enables wazero's close-on-context-done, which a
// sandbox needs to stop a spinning guest and which costs a goroutine per
// guest-to-kernel call.
func rawEcho(b *testing.B, manifestsDir string, timeout time.Duration) *extism.Plugin {
	b.Helper()
	code, err := os.ReadFile(filepath.Join(manifestsDir, "echo.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	cp, err := extism.NewCompiledPlugin(context.Background(), extism.Manifest{
		Wasm:    []extism.Wasm{extism.WasmData{Data: code}},
		Timeout: uint64(timeout.Milliseconds()),
	}, extism.PluginConfig{EnableWasi: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	p, err := cp.Instance(context.Background(), extism.PluginInstanceConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cp.Close(context.Background()) })
	return p
}

// rawSAA is the same floor through SAA's own kernel: the echo module
// compiled by host/wasm and called without Invoke's checks.
func rawSAA(b *testing.B, manifestsDir string) func(in []byte) error {
	b.Helper()
	code, err := os.ReadFile(filepath.Join(manifestsDir, "echo.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	m, err := wasm.Compile(context.Background(), code, wasm.Options{
		Name:   "echo",
		Limits: wasm.Limits{MemoryBytes: 64 << 20, Timeout: 30 * time.Second, MaxOutput: 16 << 20},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close(context.Background()) })
	return func(in []byte) error { _, err := m.Call(context.Background(), "bench", "echo", in, nil); return err }
}

func benchRuntime(b *testing.B, pool wasm.PoolOptions, plugins ...plugintest.Plugin) (*host.Runtime, string) {
	b.Helper()
	var dir string
	rt := newRuntimeWith(b, func(c *host.Config) { c.Pool, dir = pool, c.PluginsDir }, plugins...)
	return rt, dir
}

func echoInput(size int) []byte {
	prefix, suffix := `{"message":"`, `"}`
	return []byte(prefix + strings.Repeat("x", size-len(prefix)-len(suffix)) + suffix)
}

// pair times saa and base alternately b.N times and reports their medians
// and the ratio saa/base.
func pair(b *testing.B, saa, base func() error) {
	b.Helper()
	var ts, tb []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := base(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := saa(); err != nil {
			b.Fatal(err)
		}
		tb, ts = append(tb, t1.Sub(t0)), append(ts, time.Since(t1))
	}
	ms, mb := median(ts), median(tb)
	b.ReportMetric(float64(ms.Microseconds()), "saa-µs/op")
	b.ReportMetric(float64(mb.Microseconds()), "base-µs/op")
	b.ReportMetric(float64(ms)/float64(mb), "ratio")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkInvokeWarm: a warm Invoke of echo with a 100-byte input against a
// raw go-sdk call of the same export on the same module, without a timeout
// (the floor) and with one (what any sandbox that stops spinning
// guests pays).
func BenchmarkInvokeWarm(b *testing.B) {
	for _, base := range []struct {
		name    string
		timeout time.Duration
	}{{"vs-raw", 0}, {"vs-raw-with-timeout", 30 * time.Second}} {
		b.Run(base.name, func(b *testing.B) {
			rt, dir := benchRuntime(b, wasm.PoolOptions{}, plugintest.FirstParty("echo"))
			raw := rawEcho(b, dir, base.timeout)
			in := echoInput(100)
			p := caller("echo:call")
			pair(b,
				func() error { _, err := rt.Invoke(context.Background(), p, "echo", "echo", in); return err },
				func() error { _, _, err := raw.Call("echo", in); return err })
		})
	}
	b.Run("vs-raw-saa-kernel", func(b *testing.B) {
		rt, dir := benchRuntime(b, wasm.PoolOptions{}, plugintest.FirstParty("echo"))
		raw := rawSAA(b, dir)
		in := echoInput(100)
		p := caller("echo:call")
		pair(b,
			func() error { _, err := rt.Invoke(context.Background(), p, "echo", "echo", in); return err },
			func() error { return raw(in) })
	})
}

// BenchmarkInvoke1MiB: 1 MiB in and 1 MiB out through the PDK, against the
// raw go-sdk call with the same input, and against a raw call through SAA's
// kernel (bulk I/O, no checks).
func BenchmarkInvoke1MiB(b *testing.B) {
	rt, dir := benchRuntime(b, wasm.PoolOptions{}, plugintest.FirstParty("echo"))
	in := echoInput(1 << 20)
	p := caller("echo:call")
	invoke := func() error { _, err := rt.Invoke(context.Background(), p, "echo", "echo", in); return err }
	b.Run("vs-raw", func(b *testing.B) {
		raw := rawEcho(b, dir, 0)
		pair(b, invoke, func() error { _, _, err := raw.Call("echo", in); return err })
	})
	b.Run("vs-raw-saa-kernel", func(b *testing.B) {
		raw := rawSAA(b, dir)
		pair(b, invoke, func() error { return raw(in) })
	})
}

// BenchmarkInvokeFreshInstance: the first call of a new principal, served
// from the pool of pre-initialised instances, against the same call when the
// pool keeps no fresh instances (instantiate and start the guest on demand),
// and against the same pooled call on the go-sdk engine.
func BenchmarkInvokeFreshInstance(b *testing.B) {
	in := echoInput(100)
	n := 0
	call := func(rt *host.Runtime) func() error {
		return func() error {
			n++
			p := caller("echo:call")
			p.ClientID = fmt.Sprintf("client-%d", n)
			_, err := rt.Invoke(context.Background(), p, "echo", "echo", in)
			return err
		}
	}
	// A new principal arrives after the pool has refilled, as it does when
	// principals come and go at a human pace.
	afterRefill := func(rt *host.Runtime) func() error {
		return func() error {
			b.StopTimer()
			waitFresh(b, rt, 2)
			b.StartTimer()
			return call(rt)()
		}
	}
	b.Run("vs-no-pool", func(b *testing.B) {
		pooled, _ := benchRuntime(b, wasm.PoolOptions{Fresh: 2}, plugintest.FirstParty("echo"))
		bare, _ := benchRuntime(b, wasm.PoolOptions{Fresh: -1}, plugintest.FirstParty("echo"))
		pair(b, afterRefill(pooled), call(bare))
	})
	b.Run("vs-extism-engine", func(b *testing.B) {
		pooled, _ := benchRuntime(b, wasm.PoolOptions{Fresh: 2}, plugintest.FirstParty("echo"))
		ref := newRuntimeWith(b, func(c *host.Config) { c.Pool.Fresh, c.Engine = 2, wasm.EngineExtism }, plugintest.FirstParty("echo"))
		pair(b, afterRefill(pooled), afterRefill(ref))
	})
}

func waitFresh(b *testing.B, rt *host.Runtime, n int) {
	for rt.PoolStats("echo").Fresh < n {
		time.Sleep(100 * time.Microsecond)
	}
}

// BenchmarkStartup: host.New loading every first-party plugin with the
// compilation cache warm, against the same start with a cold cache, and
// against a warm start on the go-sdk engine.
func BenchmarkStartup(b *testing.B) {
	all := []plugintest.Plugin{
		plugintest.FirstParty("echo"), plugintest.FirstParty("http_fetch"),
		plugintest.FirstParty("github"), plugintest.FirstParty("tickets"),
	}
	dir := plugintest.Install(b, all...)
	warmData := filepath.Join(b.TempDir(), "warm")
	start := func(data string, engine wasm.Engine) error {
		cfg := host.DefaultConfig()
		cfg.DataDir, cfg.PluginsDir, cfg.Engine = data, dir, engine
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		cfg.EgressDial = egresstest.LoopbackOnly(b)
		rt, err := host.New(context.Background(), cfg)
		if err != nil {
			return err
		}
		return rt.Close(context.Background())
	}
	refData := filepath.Join(b.TempDir(), "ref")
	if err := start(warmData, ""); err != nil { // fills the cache
		b.Fatal(err)
	}
	if err := start(refData, wasm.EngineExtism); err != nil {
		b.Fatal(err)
	}
	b.Run("vs-cold-cache", func(b *testing.B) {
		pair(b, func() error { return start(warmData, "") }, func() error {
			cold := filepath.Join(b.TempDir(), "cold")
			defer os.RemoveAll(cold)
			return start(cold, "")
		})
	})
	b.Run("vs-extism-engine", func(b *testing.B) {
		pair(b, func() error { return start(warmData, "") }, func() error { return start(refData, wasm.EngineExtism) })
	})
}
