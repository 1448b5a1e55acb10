package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/pdk/pdktest"
)

var wasm = sync.OnceValues(func() ([]byte, error) { return pdktest.Build(context.Background(), ".") })

func load(t *testing.T) *pdktest.Plugin {
	t.Helper()
	w, err := wasm()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pdktest.Load(t.Context(), w, pdktest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func TestEcho(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{name: "message", input: `{"message":"hello"}`},
		{name: "empty message", input: `{"message":""}`},
		{name: "unicode and html", input: `{"message":"héllo <b>&</b> ✓"}`},
		{name: "escapes kept verbatim", input: `{"message":"\u003c\n"}`},
		{name: "whitespace kept", input: "{ \"message\" : \"x\" }\n"},
		{name: "large", input: `{"message":"` + strings.Repeat("x", 1<<20) + `"}`},
	}
	p := load(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := p.Call(t.Context(), "echo", []byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.input {
				t.Fatalf("echo changed its input: %.80q", out)
			}
		})
	}
}

// TestRunsInAnyExtismHost checks that echo imports nothing beyond the Extism
// kernel and WASI, so any Extism host can run it.
func TestRunsInAnyExtismHost(t *testing.T) {
	w, err := wasm()
	if err != nil {
		t.Fatal(err)
	}
	imports, err := pdktest.Imports(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range imports {
		if !strings.HasPrefix(imp, "extism:host/env.") && !strings.HasPrefix(imp, "wasi_snapshot_preview1.") {
			t.Errorf("unexpected import %s", imp)
		}
	}
}
