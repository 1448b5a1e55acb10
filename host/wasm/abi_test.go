package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/secure-agent/saa/pdk/pdktest"
)

// abiWasm is the PDK's own test plugin, which exercises every part of the
// ABI (pdk/testdata/abi); it is built once per test binary.
var abiWasm = sync.OnceValues(func() ([]byte, error) {
	return pdktest.Build(context.Background(), "../../pdk/testdata/abi")
})

// testCache keeps machine code across the tests' modules: compiling a Go
// plugin takes a second or more.
var testCache = wazero.NewCompilationCache()

// engines are the ways a module can run: SAA's kernel with bulk I/O, SAA's
// kernel on the standard ABI only, and the reference go-sdk.
var engines = []struct {
	name string
	opts func(*Options)
}{
	{"saa", func(*Options) {}},
	{"saa standard abi", func(o *Options) { o.standardABI = true }},
	{"extism", func(o *Options) { o.Engine = EngineExtism }},
}

func compileABI(t *testing.T, edit func(*Options)) *Module {
	t.Helper()
	code, err := abiWasm()
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Name:     "abi",
		Limits:   Limits{MemoryBytes: 64 << 20, Timeout: 10 * time.Second, MaxOutput: 4 << 20},
		Config:   map[string]string{"greeting": "hello"},
		LogLevel: extism.LogLevelTrace,
		Cache:    testCache,
	}
	edit(&opts)
	m, err := Compile(context.Background(), code, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func TestABIOnEveryEngine(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			m := compileABI(t, e.opts)
			call := func(export, input string) (string, error) {
				out, err := m.Call(context.Background(), "k", export, []byte(input), nil)
				return string(out), err
			}
			for _, n := range []int{0, 1, 7, 8, 9, 4096, 1 << 20} {
				in := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
				if out, err := call("echo", in); err != nil || out != in {
					t.Fatalf("echo of %d bytes: %d bytes back, %v", len(in), len(out), err)
				}
			}
			if out, err := call("config", "greeting"); err != nil || out != "hello" {
				t.Fatalf("config: %q, %v", out, err)
			}
			if _, err := call("config", "absent"); !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "config not set") {
				t.Fatalf("missing config: %v", err)
			}
			for want := 1; want <= 3; want++ {
				if out, err := call("count", ""); err != nil || out != fmt.Sprint(want) {
					t.Fatalf("count call %d: %q, %v", want, out, err)
				}
			}
			if out, err := call("greet", `{"name":"Ada"}`); err != nil || out != `{"greeting":"Hello, Ada!"}` {
				t.Fatalf("greet: %q, %v", out, err)
			}
			if _, err := call("greet", `{}`); !errors.Is(err, ErrFailed) || !strings.HasSuffix(err.Error(), ": name is required") {
				t.Fatalf("greet without a name: %v", err)
			}
			if _, err := call("greet", `{"name":"panic"}`); !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "action panicked") {
				t.Fatalf("greet that panics: %v", err)
			}
			if _, err := call("nope", ""); !errors.Is(err, ErrNoExport) {
				t.Fatalf("missing export: %v", err)
			}
		})
	}
}

func TestGuestLogsReachTheLogger(t *testing.T) {
	m := compileABI(t, func(*Options) {})
	var got []string
	log := func(level extism.LogLevel, msg string) { got = append(got, level.String()+" "+msg) }
	if _, err := m.Call(context.Background(), "k", "log", []byte("hi"), log); err != nil {
		t.Fatal(err)
	}
	want := "TRACE 0 hi,DEBUG 1 hi,INFO 2 hi,WARN 3 hi,ERROR 4 hi"
	if strings.Join(got, ",") != want {
		t.Fatalf("logs = %q, want %q", got, want)
	}

	quiet := compileABI(t, func(o *Options) { o.LogLevel = 0 })
	got = nil
	if _, err := quiet.Call(context.Background(), "k", "log", []byte("hi"), log); err != nil || len(got) != 0 {
		t.Fatalf("a module without a log level logged %q (%v)", got, err)
	}
}

func TestOutputLimitBeforeCopy(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			m := compileABI(t, func(o *Options) { e.opts(o); o.Limits.MaxOutput = 1000 })
			_, err := m.Call(context.Background(), "k", "echo", bytes.Repeat([]byte("x"), 1001), nil)
			if !errors.Is(err, ErrOutputTooLarge) {
				t.Fatalf("err = %v, want ErrOutputTooLarge", err)
			}
			if out, err := m.Call(context.Background(), "k", "echo", []byte("ok"), nil); err != nil || string(out) != "ok" {
				t.Fatalf("next call: %q, %v", out, err)
			}
		})
	}
}
