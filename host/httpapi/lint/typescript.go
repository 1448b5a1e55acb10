package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrTypeScriptNotInstalled means openapi-typescript or tsc is missing.
var ErrTypeScriptNotInstalled = errors.New("openapi-typescript is not installed: run make test-deps")

// TypeScript generates a TypeScript client from the OpenAPI document at
// docPath with openapi-typescript (as schema.ts, exporting paths and
// components) and type-checks program, a module that may import it and
// openapi-fetch, with `tsc --noEmit --strict`. It returns the tools'
// output; a document that does not generate, or a program that does not
// type-check against it, fails.
func TypeScript(docPath, program string) ([]byte, error) {
	gen, tsc := filepath.Join(dir(), "node_modules", ".bin", "openapi-typescript"), filepath.Join(dir(), "node_modules", ".bin", "tsc")
	for _, bin := range []string{gen, tsc} {
		if _, err := os.Stat(bin); err != nil {
			return nil, ErrTypeScriptNotInstalled
		}
	}
	work, err := os.MkdirTemp("", "saa-openapi-ts-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if out, err := run(gen, docPath, "--output", filepath.Join(work, "schema.ts")); err != nil {
		return out, fmt.Errorf("openapi-typescript: %w", err)
	}
	if err := os.WriteFile(filepath.Join(work, "call.ts"), []byte(program), 0o600); err != nil {
		return nil, err
	}
	if err := writeTSConfig(work); err != nil {
		return nil, err
	}
	out, err := run(tsc, "--noEmit", "--project", filepath.Join(work, "tsconfig.json"))
	if err != nil {
		schema, _ := os.ReadFile(filepath.Join(work, "schema.ts"))
		return append(out, append([]byte("\n--- schema.ts ---\n"), schema...)...), fmt.Errorf("tsc: %w", err)
	}
	return out, nil
}

// writeTSConfig writes a strict tsconfig that finds openapi-fetch in this
// folder's node_modules.
func writeTSConfig(work string) error {
	cfg := map[string]any{
		"compilerOptions": map[string]any{
			"strict": true, "noEmit": true, "target": "ES2022", "module": "ESNext",
			"moduleResolution": "Bundler", "skipLibCheck": true, "types": []string{},
			"paths": map[string]any{"openapi-fetch": []string{filepath.Join(dir(), "node_modules", "openapi-fetch")}},
		},
		"files": []string{"call.ts"},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(work, "tsconfig.json"), b, 0o600)
}

func run(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "NODE_OPTIONS=")
	return cmd.CombinedOutput()
}
