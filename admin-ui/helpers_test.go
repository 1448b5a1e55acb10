package adminui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/store"
)

// Users every fixture has.
const (
	adminPassword  = "correct horse battery staple"
	viewerName     = "vera"
	viewerPassword = "viewer password 123"
	// userName is an end user (role user).
	userName     = "uma"
	userPassword = "end user password 1"
)

// fixture is the whole server as `saa serve` assembles it, on 127.0.0.1:
// runtime, authorization server, registry, secrets service, the REST API
// and this UI at /admin.
type fixture struct {
	t        *testing.T
	url      string
	rt       *host.Runtime
	auth     *auth.Server
	registry *registry.Registry
	ui       *UI
	http     *http.Client
}

// fixtureOptions adjust a fixture.
type fixtureOptions struct {
	// localPlugins is the trusted plugins dir; empty for none.
	localPlugins string
	// now replaces the UI's clock.
	now func() time.Time
	// accounts serves the connected-accounts pages.
	accounts bool
	// agents, if set, builds the agent engine on the fixture's runtime.
	agents func(rt *host.Runtime) agents.Engine
	// signup opens self sign-up.
	signup bool
}

func newFixture(t *testing.T, opts fixtureOptions) *fixture {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	publicURL := "http://" + ln.Addr().String()
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	rt := newRuntime(t, db, opts.localPlugins)
	srv := newAuth(t, db, publicURL)
	reg, secretsSvc := newRegistry(t, db, rt)
	cfg := Config{
		Clients: srv.Clients(), Users: srv.Users(), Runtime: rt, Registry: reg, Secrets: secretsSvc,
		PublicURL: publicURL, Logger: quiet, now: opts.now,
		Authorizer: srv, Grants: srv.Grants(), Signup: opts.signup,
	}
	if opts.accounts {
		// The runtime's service has no public URL here; this one does.
		cfg.Accounts = accounts.New(accounts.Config{Store: rt.Accounts().Store(), PublicURL: publicURL})
	}
	if opts.agents != nil {
		cfg.Agents = opts.agents(rt)
	}
	ui, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Runtime: rt, Auth: srv, AdminUI: ui.Handler(), PublicURL: publicURL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(api)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	hc := ts.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &fixture{t: t, url: publicURL, rt: rt, auth: srv, registry: reg, ui: ui, http: hc}
}

// from returns a copy of f whose HTTP client connects from the local
// address ip (any 127.0.0.0/8 address reaches the loopback listener), to
// play another source.
func (f *fixture) from(ip string) *fixture {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := *f
	c.http = &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &c
}

// quiet drops the logs of the servers under test.
var quiet = slog.New(slog.DiscardHandler)

func newRuntime(t *testing.T, db *store.DB, pluginsDir string) *host.Runtime {
	t.Helper()
	if pluginsDir == "" {
		pluginsDir = t.TempDir()
	}
	cfg := host.DefaultConfig()
	cfg.DataDir, cfg.PluginsDir, cfg.DB = t.TempDir(), pluginsDir, db
	cfg.Getenv, cfg.Logger = func(string) string { return "" }, quiet
	rt, err := host.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(t.Context()) })
	return rt
}

func newAuth(t *testing.T, db *store.DB, publicURL string) *auth.Server {
	t.Helper()
	cfg := auth.DefaultConfig()
	cfg.PublicURL, cfg.DataDir, cfg.Store, cfg.AdminPassword, cfg.Logger = publicURL, t.TempDir(), db.Auth(), adminPassword, quiet
	srv, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.EnsureAdmin(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Users().Create(t.Context(), viewerName, viewerPassword, authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if err := srv.Users().Create(t.Context(), userName, userPassword, authstore.RoleUser); err != nil {
		t.Fatal(err)
	}
	return srv
}

func newRegistry(t *testing.T, db *store.DB, rt *host.Runtime) (*registry.Registry, *registry.Secrets) {
	t.Helper()
	var local []string
	for _, m := range rt.Plugins() {
		local = append(local, m.Name)
	}
	reg, err := registry.New(registry.Config{
		Store: db.Registry(), Runtime: rt, Audit: rt.Audit(),
		LocalNames: func() []string { return local }, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := registry.NewSecrets(registry.SecretsConfig{
		Store: rt.Secrets(), Plugins: rt.Plugins, Registry: reg, Audit: rt.Audit(), Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return reg, sec
}

// submit packs manifest and wasm into a bundle and submits it as a
// publisher would. The manifest's wasm.sha256 is set to wasm's digest.
func (f *fixture) submit(manifest string, wasm []byte) registry.Version {
	f.t.Helper()
	sum := sha256.Sum256(wasm)
	manifest = shaLine.ReplaceAllString(manifest, "${1}sha256: "+hex.EncodeToString(sum[:]))
	b, err := bundle.FromParts(bundle.ManifestYAML, []byte(manifest), wasm)
	if err != nil {
		f.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Pack(&buf); err != nil {
		f.t.Fatal(err)
	}
	v, err := f.registry.Submit(f.t.Context(), buf.Bytes(), "client:publisher")
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// shaLine matches the wasm.sha256 line of a manifest.
var shaLine = regexp.MustCompile(`(?m)^(\s+)sha256:.*$`)

// readRepoFile returns a file of the repository, relative to its root.
func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// issuesManifest asks for egress and a secret: the GitHub plugin's
// manifest under another name and publisher.
func issuesManifest(t *testing.T) string {
	m := readRepoFile(t, "manifests/github.yaml")
	return strings.NewReplacer("name: github", "name: issues", "publisher: saa", "publisher: acme").Replace(m)
}

// signedIn is a signed-in HTTP client of the UI, outside any browser.
type signedIn struct {
	f      *fixture
	cookie *http.Cookie
	csrf   string
}

// signIn signs in through the form and returns the session.
func (f *fixture) signIn(name, password string) *signedIn {
	f.t.Helper()
	token, signinCookie := f.signinForm()
	res := f.post("/admin/signin", url.Values{"csrf_token": {token}, "username": {name}, "password": {password}}, signinCookie)
	if res.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign in as %s: %d", name, res.StatusCode)
	}
	s := &signedIn{f: f}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			s.cookie = c
		}
	}
	if s.cookie == nil {
		f.t.Fatal("sign in set no session cookie")
	}
	page := "/admin/plugins"
	if name == userName {
		page = accountPath
	}
	s.csrf = csrfInput.FindStringSubmatch(s.get(page).body)[1]
	return s
}

// signinForm fetches the sign-in form's token and cookie.
func (f *fixture) signinForm() (string, *http.Cookie) {
	f.t.Helper()
	res := f.get("/admin/signin", nil)
	var c *http.Cookie
	for _, rc := range res.Cookies() {
		if rc.Name == signinCookie {
			c = rc
		}
	}
	m := csrfInput.FindStringSubmatch(res.body)
	if c == nil || m == nil {
		f.t.Fatalf("sign-in form without token: %d", res.StatusCode)
	}
	return m[1], c
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// response is an answer with its body read.
type response struct {
	*http.Response
	body string
}

func (f *fixture) get(path string, cookies ...*http.Cookie) response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.do(req, cookies)
}

func (f *fixture) post(path string, form url.Values, cookies ...*http.Cookie) response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(req, cookies)
}

func (f *fixture) do(req *http.Request, cookies []*http.Cookie) response {
	f.t.Helper()
	for _, c := range cookies {
		if c != nil {
			req.AddCookie(c)
		}
	}
	res, err := f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{Response: res, body: string(body)}
}

func (s *signedIn) get(path string) response { return s.f.get(path, s.cookie) }

// post sends form with the session's CSRF token unless form sets its own.
func (s *signedIn) post(path string, form url.Values) response {
	if _, ok := form[csrfField]; !ok {
		form.Set(csrfField, s.csrf)
	}
	return s.f.post(path, form, s.cookie)
}

// checkFor polls fn until it returns nil or timeout passes.
func checkFor(t *testing.T, timeout, interval time.Duration, fn func() error) {
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

// fakeWasm is bytes a manifest can pin; the registry never compiles a
// version before approval.
var fakeWasm = []byte("\x00asm\x01\x00\x00\x00 not a real module")
