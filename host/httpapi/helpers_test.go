package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/egress/egresstest"
	"github.com/secure-agent/saa/host/httpapi/openapi/openapitest"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/pdk/pdktest"
)

// echoManifest is the test's echo plugin: the real plugins/echo module
// under a manifest of the test's own.
const echoManifest = `name: echo
version: 1.0.0
publisher: test
description: Return the input.
wasm: { path: ../plugins/echo/echo.wasm, sha256: %s }
limits: { timeout: 5s }
actions:
  - name: echo
    description: Return the input unchanged.
    scopes: [call]
    effect: read
    input:
      type: object
      properties: { message: { $ref: "#/$defs/message" } }
      required: [message]
      additionalProperties: false
      $defs:
        message: { type: string, maxLength: 100000 }
    output:
      type: object
      properties: { message: { type: string } }
      required: [message]
`

// wasmCache is a compilation cache that every fixture's data dir links to,
// so that the echo module is compiled once per test binary, not per test.
var wasmCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "httpapi-wasm-cache-")
	if err != nil {
		panic(err)
	}
	wasmCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// echoWasm builds plugins/echo once per test binary.
var echoWasm = sync.OnceValues(func() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return pdktest.Build(ctx, "../../plugins/echo")
})

// pluginsDir lays out manifests/echo.yaml and plugins/echo/echo.wasm in a
// temporary folder and returns the manifests folder.
func pluginsDir(t testing.TB) string {
	t.Helper()
	wasm, err := echoWasm()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	sum := sha256.Sum256(wasm)
	files := map[string][]byte{
		"plugins/echo/echo.wasm": wasm,
		"manifests/echo.yaml":    fmt.Appendf(nil, echoManifest, hex.EncodeToString(sum[:])),
	}
	for name, data := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "manifests")
}

// adminPassword is the fixture's admin user's password.
const adminPassword = "correct horse battery staple"

// fixture is a real server on 127.0.0.1: runtime with the echo plugin,
// authorization server, run manager, and the HTTP API over them.
type fixture struct {
	t    testing.TB
	rt   *host.Runtime
	auth *auth.Server
	runs *runs.Manager
	srv  *Server
	http *httptest.Server
	// client checks every answer against the served /openapi.json.
	client  *http.Client
	openapi *openapitest.Checker
}

// options adjust a fixture.
type options struct {
	// config changes the server's config before New.
	config func(*Config)
	// allowLoopback lets callbacks reach 127.0.0.1.
	allowLoopback bool
}

// newFixture starts a server.
func newFixture(t testing.TB, o options) *fixture {
	t.Helper()
	ctx := context.Background()
	hc := host.DefaultConfig()
	hc.DataDir, hc.PluginsDir = t.TempDir(), pluginsDir(t)
	if err := os.Symlink(wasmCache, filepath.Join(hc.DataDir, "wasm-cache")); err != nil {
		t.Fatal(err)
	}
	hc.Logger = slog.New(slog.DiscardHandler)
	hc.EgressDial = egresstest.LoopbackOnly(t)
	rt, err := host.New(ctx, hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })

	f := &fixture{t: t, rt: rt}
	f.http = httptest.NewUnstartedServer(nil)
	publicURL := "http://" + f.http.Listener.Addr().String()
	ac := auth.DefaultConfig()
	ac.PublicURL, ac.DataDir, ac.Store, ac.Logger = publicURL, hc.DataDir, rt.DB().Auth(), hc.Logger
	ac.AdminPassword = adminPassword
	if f.auth, err = auth.New(ac); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.EnsureAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := adminapi.FromServer(f.auth, hc.Logger)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Runtime: rt, Auth: f.auth, Admin: admin, PublicURL: publicURL, Logger: hc.Logger, Metrics: NewMetrics()}
	f.startRuns(&cfg, o.allowLoopback)
	if o.config != nil {
		o.config(&cfg)
	}
	if f.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	f.http.Config.Handler = f.srv
	f.http.Start()
	t.Cleanup(f.http.Close)
	f.checkAnswers()
	return f
}

// checkAnswers makes f.client check every answer against the document the
// server serves: status, content type and body schema.
func (f *fixture) checkAnswers() {
	resp, err := f.http.Client().Get(f.http.URL + "/openapi.json")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		f.t.Fatalf("GET /openapi.json: %d %v", resp.StatusCode, err)
	}
	if f.openapi, err = openapitest.New(doc, openapitest.DefaultOptions()); err != nil {
		f.t.Fatal(err)
	}
	f.client = &http.Client{Transport: &openapitest.Transport{Base: f.http.Client().Transport, Checker: f.openapi, TB: f.t}}
}

// startRuns adds a started run manager to cfg, with fast callback retries.
func (f *fixture) startRuns(cfg *Config, allowLoopback bool) {
	ec := egress.Config{Dial: egresstest.LoopbackOnly(f.t)}
	if allowLoopback {
		ec.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	db := f.rt.DB()
	idem := runs.NewIdempotency(db.Idempotency())
	m, err := runs.New(runs.Config{
		Store:       db.Runs(),
		Invoker:     cfg.Metrics.Invoker(f.rt),
		Idempotency: idem,
		Sender:      NewCallbackSender(egress.New(ec)),
		WebhookKey:  []byte(strings.Repeat("k", runs.WebhookKeySize)),
		Retry:       runs.RetryPolicy{MaxAttempts: 3, Base: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		Logger:      cfg.Logger,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { m.Shutdown(context.Background()) })
	f.runs, cfg.Runs, cfg.Idempotency = m, m, idem
}

// token creates a client allowed scopes and returns its id and a token
// granted all of them, from the real token endpoint.
func (f *fixture) token(scopes ...string) (clientID, token string) {
	f.t.Helper()
	c, secret, err := f.auth.Clients().Create(context.Background(), "test", scopes)
	if err != nil {
		f.t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}}
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(c.ID, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := f.do(req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(resp.body, &tok) != nil {
		f.t.Fatalf("token: %d %s", resp.StatusCode, resp.body)
	}
	return c.ID, tok.AccessToken
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body []byte
}

func (f *fixture) do(req *http.Request) response {
	f.t.Helper()
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{resp, body}
}

// call sends method path with body and headers (name, value pairs).
func (f *fixture) call(method, path, token, body string, headers ...string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.http.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return f.do(req)
}

// problemKind returns the last segment of a problem answer's type.
func problemKind(t testing.TB, r response) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q for %d %s", ct, r.StatusCode, r.body)
	}
	var p struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p.Type[strings.LastIndex(p.Type, "/")+1:]
}

// errNotYet is what a checkFor condition returns until it holds.
var errNotYet = errors.New("not yet")

// checkFor polls fn until it returns nil or timeout passes.
func checkFor(t testing.TB, timeout, interval time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		<-time.After(interval)
	}
}
