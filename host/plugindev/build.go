package plugindev

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// buildFlags make the module a reactor (exports _initialize, never runs main)
// and the build reproducible: no file paths, no VCS stamp. -s -w drop the
// symbol table and DWARF (about 2% of a module); the result runs the same.
var buildFlags = []string{
	"build", "-trimpath", "-buildvcs=false", "-buildmode=c-shared", "-ldflags=-s -w",
}

// Build compiles the Go package in dir for GOOS=wasip1 GOARCH=wasm into out
// and returns the module's lowercase hex SHA-256. The same source, module
// requirements and toolchain give the same digest.
func Build(ctx context.Context, dir, out string) (string, error) {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	args := append(append([]string{}, buildFlags...), "-o", absOut, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w: %s", dir, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return fileSHA256(absOut)
}

// BuildPlugin builds the plugin in pluginDir to <pluginDir>/<name>.wasm,
// where name is pluginDir's base name, and writes the module's digest into the
// manifest at manifestPath. The manifest's wasm.path must name that file.
func BuildPlugin(ctx context.Context, pluginDir, manifestPath string) (string, error) {
	absDir, err := filepath.Abs(pluginDir)
	if err != nil {
		return "", fmt.Errorf("build plugin %s: %w", pluginDir, err)
	}
	out := filepath.Join(absDir, filepath.Base(absDir)+".wasm")
	if err := checkWasmPath(manifestPath, out); err != nil {
		return "", err
	}
	sha, err := Build(ctx, absDir, out)
	if err != nil {
		return "", err
	}
	if _, err := UpdateManifestSHA(manifestPath, sha); err != nil {
		return "", err
	}
	return sha, nil
}

// checkWasmPath fails unless the manifest's wasm.path resolves to out.
func checkWasmPath(manifestPath, out string) error {
	src, err := os.ReadFile(manifestPath)
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	rel, err := wasmPath(src)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", manifestPath, err)
	}
	absManifest, err := filepath.Abs(manifestPath)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", manifestPath, err)
	}
	if got := filepath.Join(filepath.Dir(absManifest), filepath.FromSlash(rel)); got != out {
		return fmt.Errorf("manifest %s: %w: %s is not %s", manifestPath, ErrPathMismatch, got, out)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash module: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash module: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrPathMismatch means the manifest's wasm.path does not name the module
// BuildPlugin writes, so pinning its digest would pin the wrong file.
var ErrPathMismatch = errors.New("wasm.path does not name the built module")
