package registry_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/registry"
)

const admin = "alice"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// echo reads the built echo plugin.
func echo(t testing.TB) (manifest, wasm []byte) {
	t.Helper()
	dir := plugintest.Install(t, plugintest.FirstParty("echo"))
	manifest, err := os.ReadFile(filepath.Join(dir, "echo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err = os.ReadFile(filepath.Join(dir, "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return manifest, wasm
}

// env is a real runtime (no local plugins) with a registry on its database.
type env struct {
	t        *testing.T
	dataDir  string
	rt       *host.Runtime
	reg      *registry.Registry
	local    []string
	manifest []byte
	wasm     []byte
	// quota is the registry's PendingQuota (zero: the defaults).
	quota quota.Limit
}

func newEnv(t *testing.T, local ...string) *env {
	t.Helper()
	manifest, wasm := echo(t)
	e := &env{t: t, dataDir: filepath.Join(t.TempDir(), "data"), local: local, manifest: manifest, wasm: wasm}
	e.open()
	return e
}

// open starts the runtime and the registry on the env's data dir.
func (e *env) open() {
	e.t.Helper()
	cfg := host.DefaultConfig()
	cfg.DataDir, cfg.PluginsDir, cfg.Logger = e.dataDir, e.t.TempDir(), quiet
	rt, err := host.New(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if e.rt == rt { // reopen closed the others
			rt.Close(context.Background())
		}
	})
	reg, err := registry.New(registry.Config{
		Store: rt.DB().Registry(), Runtime: rt, Audit: rt.Audit(), Logger: quiet,
		LocalNames: func() []string { return e.local }, PendingQuota: e.quota,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.rt, e.reg = rt, reg
}

// reopen closes the runtime and opens a new one on the same data.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.rt.Close(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// variant returns the echo manifest at version, with the text edits applied
// (old -> new, in order).
func (e *env) variant(version string, edits ...string) []byte {
	s := strings.Replace(string(e.manifest), "version: 1.0.0", "version: "+version, 1)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			e.t.Fatalf("manifest has no %q to replace", edits[i])
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	return []byte(s)
}

// withEgress adds egress hosts before the actions.
func withEgress(hosts ...string) []string {
	list := "egress:\n"
	for _, h := range hosts {
		list += "  - " + h + "\n"
	}
	return []string{"actions:", list + "actions:"}
}

// pack bundles manifest with the echo module, signed by key if not nil.
func (e *env) pack(manifest []byte, key ed25519.PrivateKey) []byte {
	e.t.Helper()
	b, err := bundle.FromParts(bundle.ManifestYAML, manifest, e.wasm)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != nil {
		b.Sign(key)
	}
	var buf bytes.Buffer
	if err := b.Pack(&buf); err != nil {
		e.t.Fatal(err)
	}
	return buf.Bytes()
}

// packRaw packs manifest with the env's module without checking either,
// as a hostile publisher could.
func (e *env) packRaw(manifest []byte) []byte {
	e.t.Helper()
	var buf bytes.Buffer
	b := &bundle.Bundle{ManifestName: bundle.ManifestYAML, ManifestRaw: manifest, Wasm: e.wasm}
	if err := b.Pack(&buf); err != nil {
		e.t.Fatal(err)
	}
	return buf.Bytes()
}

// submit submits manifest (unsigned) and fails the test on error.
func (e *env) submit(manifest []byte) registry.Version {
	e.t.Helper()
	v, err := e.reg.Submit(context.Background(), e.pack(manifest, nil), "client:pub")
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// call invokes echo.echo.
func (e *env) call() error {
	e.t.Helper()
	p := host.Principal{ClientID: "agent", Subject: "agent", Scopes: []string{"echo:call"}}
	out, err := e.rt.Invoke(context.Background(), p, "echo", "echo", []byte(`{"message":"hi"}`))
	if err == nil && string(out) != `{"message":"hi"}` {
		e.t.Fatalf("echo returned %s", out)
	}
	return err
}

// serving returns the version of echo the runtime serves, "" if none.
func (e *env) serving() string {
	for _, m := range e.rt.Plugins() {
		if m.Name == "echo" {
			return m.Version
		}
	}
	return ""
}

// adminEntries returns the admin audit entries, oldest first.
func (e *env) adminEntries() []audit.Entry {
	e.t.Helper()
	page, err := e.rt.Audit().List(context.Background(), audit.Filter{Kind: audit.KindAdmin, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Entries
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
