// Package plugintest builds real plugins for tests: each source folder is
// compiled to wasm once per test binary, and a manifests folder is laid out
// with the module beside its manifest and the manifest's sha256 pinned.
// It is test support only: production code never imports it.
package plugintest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host/plugindev"
)

// Plugin is one plugin to install: its Go source folder and its manifest.
type Plugin struct {
	Source   string
	Manifest string
	// Replace rewrites the manifest's text before install (old -> new), for
	// tests that must point egress at a local server's port.
	Replace map[string]string
}

// Repo returns the repository's root folder.
func Repo() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// FirstParty returns the first-party plugin called name.
func FirstParty(name string) Plugin {
	return Plugin{
		Source:   filepath.Join(Repo(), "plugins", name),
		Manifest: filepath.Join(Repo(), "manifests", name+".yaml"),
	}
}

// Testdata returns the test plugin called name in host/testdata/plugins.
func Testdata(name string) Plugin {
	dir := filepath.Join(Repo(), "host", "testdata", "plugins")
	return Plugin{Source: filepath.Join(dir, name), Manifest: filepath.Join(dir, name+".yaml")}
}

// Hostile returns the hostile test plugin called name.
func Hostile(name string) Plugin {
	dir := filepath.Join(Repo(), "host", "wasm", "testdata", "hostile")
	return Plugin{Source: filepath.Join(dir, name), Manifest: filepath.Join(dir, name+".yaml")}
}

var (
	mu    sync.Mutex
	built = map[string]module{} // by source folder
	cache string
)

// Install builds plugins and returns a fresh manifests folder holding each
// manifest and its module, ready to be a runtime's PluginsDir.
func Install(tb testing.TB, plugins ...Plugin) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "manifests")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, p := range plugins {
		install(tb, dir, p)
	}
	return dir
}

func install(tb testing.TB, dir string, p Plugin) {
	tb.Helper()
	mod := build(tb, p.Source)
	name := filepath.Base(p.Source)
	src, err := os.ReadFile(p.Manifest)
	if err != nil {
		tb.Fatal(err)
	}
	for old, repl := range p.Replace {
		src = bytes.ReplaceAll(src, []byte(old), []byte(repl))
	}
	manifest := filepath.Join(dir, filepath.Base(p.Manifest))
	if loc := wasmPath.FindSubmatchIndex(src); loc != nil { // the first one is wasm.path
		src = append(src[:loc[3]:loc[3]], append([]byte("path: "+name+".wasm"), src[loc[1]:]...)...)
	}
	if err := os.WriteFile(manifest, src, 0o644); err != nil {
		tb.Fatal(err)
	}
	code, err := os.ReadFile(mod.path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".wasm"), code, 0o644); err != nil {
		tb.Fatal(err)
	}
	if _, err := plugindev.UpdateManifestSHA(manifest, mod.sha); err != nil {
		tb.Fatal(err)
	}
}

// wasmPath matches the indented path: line of a manifest's wasm block.
var wasmPath = regexp.MustCompile(`(?m)^(\s+)path:.*$`)

// module is a built wasm file and its digest.
type module struct{ path, sha string }

// build compiles source once per test binary.
func build(tb testing.TB, source string) module {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if w, ok := built[source]; ok {
		return w
	}
	if cache == "" {
		d, err := os.MkdirTemp("", "saa-testplugins-")
		if err != nil {
			tb.Fatal(err)
		}
		cache = d
	}
	out := filepath.Join(cache, filepath.Base(source)+".wasm")
	sha, err := plugindev.Build(context.Background(), source, out)
	if err != nil {
		tb.Fatalf("build %s: %v", source, err)
	}
	built[source] = module{out, sha}
	return built[source]
}
