// Package lint runs real OpenAPI tools over a document, for tests: the
// Redocly CLI linter, and openapi-typescript with tsc to prove a generated
// TypeScript client type-checks. The tools are npm packages installed in
// this folder by `make test-deps` (package.json and its lock pin the
// versions); redocly.yaml beside it holds the linter's rules. It is test tooling: nothing in the server
// imports it.
package lint

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// ErrNotInstalled means the linter's npm packages are missing.
var ErrNotInstalled = errors.New("redocly is not installed: run make test-deps")

// dir is this package's source folder, where package.json lives.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Redocly lints the OpenAPI document at path with `redocly lint` and the
// rules of redocly.yaml, returning the linter's output. A document with an
// error or a warning fails.
func Redocly(path string) ([]byte, error) {
	bin := filepath.Join(dir(), "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err != nil {
		return nil, ErrNotInstalled
	}
	cmd := exec.Command(bin, "lint", "--config", filepath.Join(dir(), "redocly.yaml"), "--format", "stylish", path)
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("redocly lint %s: %w", filepath.Base(path), err)
	}
	return out, nil
}
