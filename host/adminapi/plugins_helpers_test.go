package adminapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/plugintest"
)

// maxTestBundle is the registry's bound in these tests.
const maxTestBundle = 4 << 20

// pluginEnv serves the admin API with the registry and the secrets over a
// real runtime with no local plugins.
type pluginEnv struct {
	*env
	rt             *host.Runtime
	manifest, wasm []byte
}

func newPluginEnv(t *testing.T) *pluginEnv {
	t.Helper()
	dir := plugintest.Install(t, plugintest.FirstParty("echo"))
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword, MaxBundleBytes: maxTestBundle})
	if err := s.Auth.Users().Create(t.Context(), "viewer", "viewer password", authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "echo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return &pluginEnv{env: &env{t: t, srv: s.Auth, url: s.URL, hc: s.Client}, rt: s.Runtime, manifest: manifest, wasm: wasm}
}

// bundle packs the echo plugin at version, with edits (old, new, ...) to
// its manifest.
func (e *pluginEnv) bundle(version string, edits ...string) []byte {
	e.t.Helper()
	m := strings.Replace(string(e.manifest), "version: 1.0.0", "version: "+version, 1)
	for i := 0; i+1 < len(edits); i += 2 {
		m = strings.Replace(m, edits[i], edits[i+1], 1)
	}
	b, err := bundle.FromParts(bundle.ManifestYAML, []byte(m), e.wasm)
	if err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Pack(&buf); err != nil {
		e.t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts data to /plugins.
func (e *pluginEnv) upload(c cred, data []byte, contentType string) resp {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+adminapi.Prefix+"/plugins", bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	c(req)
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// invoke calls echo.echo in-process.
func (e *pluginEnv) invoke() error {
	p := host.Principal{ClientID: "agent", Subject: "agent", Scopes: []string{"echo:call"}}
	_, err := e.rt.Invoke(context.Background(), p, "echo", "echo", []byte(`{"message":"hi"}`))
	return err
}

// adminEntries returns the admin audit entries, oldest first.
func (e *pluginEnv) adminEntries() []audit.Entry {
	e.t.Helper()
	page, err := e.rt.Audit().List(context.Background(), audit.Filter{Kind: audit.KindAdmin, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Entries
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
