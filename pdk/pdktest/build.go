package pdktest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the Go package in dir as a wasip1 reactor, with the same
// flags as `saa plugin build` (host/plugindev), and returns the module. dir may be inside the
// caller's module or be a module of its own. It takes seconds: build once per
// test binary (sync.OnceValues) and reuse the bytes.
func Build(ctx context.Context, dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "pdktest-")
	if err != nil {
		return nil, fmt.Errorf("build plugin: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "plugin.wasm")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-buildmode=c-shared", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build plugin %s: %w: %s", dir, err, bytes.TrimSpace(stderr.Bytes()))
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build plugin %s: %w", dir, err)
	}
	return wasm, nil
}
