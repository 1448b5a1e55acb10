package plugindev

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/secure-agent/saa/pdk/pdktest"
)

func TestBuildRunsAndIsReproducible(t *testing.T) {
	outA := filepath.Join(t.TempDir(), "a.wasm")
	outB := filepath.Join(t.TempDir(), "nested", "b.wasm")
	if err := os.MkdirAll(filepath.Dir(outB), 0o755); err != nil {
		t.Fatal(err)
	}
	shaA, err := Build(t.Context(), "testdata/hello", outA)
	if err != nil {
		t.Fatal(err)
	}
	shaB, err := Build(t.Context(), "testdata/hello", outB)
	if err != nil {
		t.Fatal(err)
	}
	if shaA != shaB || !shaPattern.MatchString(shaA) {
		t.Fatalf("digests %s and %s, want one equal lowercase hex digest", shaA, shaB)
	}
	if got, _ := fileSHA256(outA); got != shaA {
		t.Fatalf("returned digest %s is not the file's %s", shaA, got)
	}
	// The stripped module (-s -w) must still run.
	wasm, err := os.ReadFile(outA)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pdktest.Load(t.Context(), wasm, pdktest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	out, err := p.Call(t.Context(), "hello", []byte(`{"name":"wasm"}`))
	if err != nil || string(out) != `"hello wasm"` {
		t.Fatalf("hello = %s, %v", out, err)
	}
}

func TestBuildReportsCompilerErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/broken\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() { undefinedThing() }\n")
	_, err := Build(t.Context(), dir, filepath.Join(dir, "x.wasm"))
	if err == nil || !strings.Contains(err.Error(), "undefinedThing") {
		t.Fatalf("err = %v, want the compiler's message", err)
	}
}

func TestBuildPlugin(t *testing.T) {
	root := t.TempDir()
	dirA := externalPlugin(t, filepath.Join(root, "a", "hello"))
	dirB := externalPlugin(t, filepath.Join(root, "b", "hello"))
	manifestA := writeManifest(t, filepath.Join(root, "a", "manifests", "hello.yaml"), "../hello/hello.wasm")
	manifestB := writeManifest(t, filepath.Join(root, "b", "manifests", "hello.yaml"), "../hello/hello.wasm")

	shaA, err := BuildPlugin(t.Context(), dirA, manifestA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dirA, "hello.wasm")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, manifestA); !strings.Contains(got, `sha256: "`+shaA+"\"\n") {
		t.Fatalf("manifest not updated:\n%s", got)
	}
	t.Run("same source elsewhere gives the same digest", func(t *testing.T) {
		shaB, err := BuildPlugin(t.Context(), dirB, manifestB)
		if err != nil || shaB != shaA {
			t.Fatalf("digest %s, %v; want %s", shaB, err, shaA)
		}
	})
	t.Run("wasm.path naming another file", func(t *testing.T) {
		m := writeManifest(t, filepath.Join(root, "a", "manifests", "other.yaml"), "../hello/other.wasm")
		if _, err := BuildPlugin(t.Context(), dirA, m); !errors.Is(err, ErrPathMismatch) {
			t.Fatalf("err = %v, want ErrPathMismatch", err)
		}
	})
}

// externalPlugin writes testdata/hello as a module of its own in dir that
// requires this repository, as a third-party plugin would.
func externalPlugin(t *testing.T, dir string) string {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := strings.TrimPrefix(strings.Fields(runtime.Version())[0], "go")
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/hello\n\ngo "+goVersion+
		"\n\nrequire github.com/secure-agent/saa v0.0.0\n\nreplace github.com/secure-agent/saa => "+repo+"\n")
	writeFile(t, filepath.Join(dir, "main.go"), readFile(t, "testdata/hello/main.go"))
	return dir
}

func writeManifest(t *testing.T, path, wasmPath string) string {
	t.Helper()
	writeFile(t, path, "name: hello\nversion: 0.1.0\nwasm:\n  path: "+wasmPath+"\n  sha256: "+
		strings.Repeat("0", 64)+"\nactions: []\n")
	return path
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
