package pdk_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/secure-agent/saa/pdk/pdktest"
)

// The test plugins take seconds to build: each is built once per test binary.
var (
	abiWasm = sync.OnceValues(func() ([]byte, error) {
		return pdktest.Build(context.Background(), "testdata/abi")
	})
	tempDirs []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// load instantiates the abi test plugin and closes it when t ends.
func load(t *testing.T, opts pdktest.Options) *pdktest.Plugin {
	t.Helper()
	wasm, err := abiWasm()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pdktest.Load(t.Context(), wasm, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}
