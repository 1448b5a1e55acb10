package pdktest

import (
	"context"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"
)

// Imports lists the functions wasm imports, as "module.name", sorted. A
// plugin meant for any Extism host imports only from "extism:host/env" and
// "wasi_snapshot_preview1"; one that calls pdk.HTTP also imports
// "extism:host/user.saa_http_request".
func Imports(ctx context.Context, wasm []byte) ([]string, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	defer rt.Close(ctx)
	m, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("compile module: %w", err)
	}
	var out []string
	for _, f := range m.ImportedFunctions() {
		module, name, _ := f.Import()
		out = append(out, module+"."+name)
	}
	slices.Sort(out)
	return out, nil
}
