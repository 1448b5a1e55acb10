package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/store"
)

// testEnv is an authorization server and a protected resource on a real
// loopback listener, over a real bbolt file.
type testEnv struct {
	t    testing.TB
	srv  *auth.Server
	db   *store.DB
	url  string
	key  *ecdsa.PrivateKey // the signing key, so tests can forge tokens
	kid  string
	http *http.Client
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type envOption func(*auth.Config)

// newTestEnv starts a server signing with a fresh ES256 key given as
// JWT_PRIVATE_KEY would be.
func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	return newTestEnvClock(t, time.Now, opts...)
}

func newTestEnvClock(t testing.TB, now func() time.Time, opts ...envOption) *testEnv {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := auth.DefaultConfig()
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.PrivateKeyPEM = pemPrivate(t, key)
	cfg.Store = db.Auth()
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := auth.NewServerWithClock(cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(resourceRouter(srv))
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return &testEnv{t: t, srv: srv, db: db, url: cfg.PublicURL, key: key, kid: srv.Keys().KeyID(), http: ts.Client()}
}

// resourceRouter mounts the server and a resource protected by echo:call.
func resourceRouter(srv *auth.Server) http.Handler {
	r := chi.NewRouter()
	srv.Routes(r)
	r.HandleFunc(auth.AuthorizePath, testAuthorize(srv))
	r.With(srv.Verifier().RequireScopes("echo:call")).Post("/v1/actions/echo/echo", func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.PrincipalFrom(r.Context())
		_ = json.NewEncoder(w).Encode(p)
	})
	return r
}

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func pemPrivate(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pemPublic(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// from returns a copy of e whose HTTP client connects from the local
// address ip: any 127.0.0.0/8 address reaches the loopback listener, so
// tests can play several sources.
func (e *testEnv) from(ip string) *testEnv {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := *e
	c.http = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	return &c
}

// client is a registered client and its secret.
type client struct{ id, secret string }

func (e *testEnv) newClient(scopes ...string) client {
	e.t.Helper()
	c, secret, err := e.srv.Clients().Create(e.t.Context(), "test client", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return client{id: c.ID, secret: secret}
}

// response is a decoded HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

func (e *testEnv) do(req *http.Request) response {
	e.t.Helper()
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// postForm posts form to path, with Basic credentials c unless c.id is empty.
func (e *testEnv) postForm(path string, c client, form url.Values) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.id != "" && (c.secret != "" || form.Get("client_id") == "") {
		req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	}
	return e.do(req)
}

// tokenResponse requests a client_credentials token.
func (e *testEnv) tokenResponse(c client, scope string) response {
	e.t.Helper()
	return e.postForm(auth.TokenPath, c, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}})
}

// token gets a token or fails the test.
func (e *testEnv) token(c client, scope string) string {
	e.t.Helper()
	r := e.tokenResponse(c, scope)
	if r.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", r.status, r.body)
	}
	tok, _ := r.json(e.t)["access_token"].(string)
	if tok == "" {
		e.t.Fatalf("token: no access_token in %s", r.body)
	}
	return tok
}

// callEcho calls the protected resource with an Authorization header
// carrying token (none if empty).
func (e *testEnv) callEcho(token string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+"/v1/actions/echo/echo", strings.NewReader(`{"message":"hi"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func (e *testEnv) get(path string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}
