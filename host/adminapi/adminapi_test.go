package adminapi_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
)

const adminPassword = "correct horse battery staple"

type env struct {
	t   *testing.T
	srv *auth.Server
	url string
	hc  *http.Client
}

// newEnv serves the authorization server and the admin API on loopback.
func newEnv(t *testing.T) *env {
	t.Helper()
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword})
	return &env{t: t, srv: s.Auth, url: s.URL, hc: s.Client}
}

type cred func(*http.Request)

func basic(user, pw string) cred { return func(r *http.Request) { r.SetBasicAuth(user, pw) } }

func bearer(tok string) cred {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func none(*http.Request) {}

var admin = basic(auth.AdminUser, adminPassword)

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (e *env) call(method, path string, c cred, body string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+adminapi.Prefix+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
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

// token gets an access token for a fresh client allowed scopes.
func (e *env) token(scopes ...string) string {
	e.t.Helper()
	c, secret, err := e.srv.Clients().Create(e.t.Context(), "t", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.tokenFor(c.ID, secret, strings.Join(scopes, " "))
}

func (e *env) tokenFor(id, secret, scope string) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+auth.TokenPath,
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	tok, _ := m["access_token"].(string)
	if tok == "" {
		e.t.Fatalf("token: %d %v", res.StatusCode, m)
	}
	return tok
}

func TestAdminAuthentication(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.Users().Create(t.Context(), "viewer", "viewer password", authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		method     string
		cred       cred
		body       string
		wantStatus int
		wantHeader string
	}{
		{"no credentials", "GET", none, "", 401, `Basic realm="saa-admin"`},
		{"wrong password", "GET", basic(auth.AdminUser, "nope"), "", 401, `Basic realm="saa-admin"`},
		{"unknown user", "GET", basic("mallory", adminPassword), "", 401, `Basic realm="saa-admin"`},
		{"client token without admin", "GET", bearer(e.token("echo:call")), "", 403, `error="insufficient_scope", scope="admin"`},
		{"invalid bearer token", "GET", bearer("garbage"), "", 401, `error="invalid_token"`},
		{"admin password", "GET", admin, "", 200, ""},
		{"client token with admin", "GET", bearer(e.token(auth.ScopeAdmin)), "", 200, ""},
		{"viewer may read", "GET", basic("viewer", "viewer password"), "", 200, ""},
		{"viewer may not write", "POST", basic("viewer", "viewer password"), `{"name":"x","scopes":["a"]}`, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(tt.method, "/clients", tt.cred, tt.body)
			if r.status != tt.wantStatus || !strings.Contains(strings.Join(r.header.Values("WWW-Authenticate"), ", "), tt.wantHeader) {
				t.Fatalf("got %d %v %s, want %d with %q", r.status, r.header.Values("WWW-Authenticate"), r.raw, tt.wantStatus, tt.wantHeader)
			}
			if tt.wantStatus >= 400 && strings.Contains(r.raw, "client_secret") {
				t.Fatal("an error answer carries client data")
			}
		})
	}
}

// from returns a copy of e whose HTTP client connects from the local
// address ip (any 127.0.0.0/8 address reaches the loopback listener).
func (e *env) from(ip string) *env {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := *e
	c.hc = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	return &c
}

// TestAdminSignInBruteForceIsThrottled: guessing the admin's password over
// HTTP Basic from one address is stopped there; the admin from another
// address gets in.
func TestAdminSignInBruteForceIsThrottled(t *testing.T) {
	e := newEnv(t)
	adminToken := e.token(auth.ScopeAdmin) // before the source is throttled
	for range auth.DefaultFailureLimit {
		e.call("GET", "/clients", basic(auth.AdminUser, "guess"), "")
	}
	r := e.call("GET", "/clients", admin, "")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d, Retry-After %q", auth.DefaultFailureLimit, r.status, r.header.Get("Retry-After"))
	}
	t.Run("bearer path skips the password check", func(t *testing.T) {
		if r := e.call("GET", "/clients", bearer(adminToken), ""); r.status != 200 {
			t.Fatalf("bearer admin refused while Basic is throttled: %d", r.status)
		}
	})
	t.Run("the admin from another address gets in", func(t *testing.T) {
		if r := e.from("127.0.0.2").call("GET", "/clients", admin, ""); r.status != 200 {
			t.Fatalf("admin locked out: %d %s", r.status, r.raw)
		}
	})
}

func TestClientLifecycle(t *testing.T) {
	e := newEnv(t)
	created := e.call("POST", "/clients", admin, `{"name":"agent","scopes":["echo:call"]}`)
	if created.status != 201 || created.body["client_secret"] == nil || created.body["client_id"] == nil {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	id, secret := created.body["client_id"].(string), created.body["client_secret"].(string)
	if loc := created.header.Get("Location"); loc != adminapi.Prefix+"/clients/"+id {
		t.Errorf("Location = %q", loc)
	}
	e.tokenFor(id, secret, "echo:call")

	steps := []struct {
		name, method, path, body string
		wantStatus               int
		check                    func(t *testing.T, r resp)
	}{
		{"list hides secrets", "GET", "/clients", "", 200, func(t *testing.T, r resp) {
			if strings.Contains(r.raw, "secret") || len(r.body["clients"].([]any)) != 1 {
				t.Fatalf("list = %s", r.raw)
			}
		}},
		{"get", "GET", "/clients/" + id, "", 200, func(t *testing.T, r resp) {
			if r.body["name"] != "agent" || r.body["status"] != "active" || strings.Contains(r.raw, "secret") {
				t.Fatalf("get = %s", r.raw)
			}
		}},
		{"patch scopes", "PATCH", "/clients/" + id, `{"scopes":["echo:call","admin"]}`, 200, func(t *testing.T, r resp) {
			if len(r.body["scopes"].([]any)) != 2 {
				t.Fatalf("patch = %s", r.raw)
			}
		}},
		{"patch status", "PATCH", "/clients/" + id, `{"status":"disabled"}`, 200, func(t *testing.T, r resp) {
			if r.body["status"] != "disabled" {
				t.Fatalf("patch = %s", r.raw)
			}
		}},
		{"patch nothing", "PATCH", "/clients/" + id, `{}`, 400, nil},
		{"patch bad status", "PATCH", "/clients/" + id, `{"status":"paused","scopes":["x"]}`, 400, func(t *testing.T, r resp) {
			if c := e.call("GET", "/clients/"+id, admin, ""); len(c.body["scopes"].([]any)) != 2 {
				t.Fatalf("a refused patch changed scopes: %s", c.raw)
			}
		}},
		{"rotate secret", "POST", "/clients/" + id + "/rotate-secret", "", 200, func(t *testing.T, r resp) {
			if s, _ := r.body["client_secret"].(string); s == "" || s == secret || r.body["rotated_at"] == nil {
				t.Fatalf("rotate = %s", r.raw)
			}
		}},
		{"delete", "DELETE", "/clients/" + id, "", 204, nil},
		{"get after delete", "GET", "/clients/" + id, "", 404, nil},
		{"delete again", "DELETE", "/clients/" + id, "", 404, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := e.call(s.method, s.path, admin, s.body)
			if r.status != s.wantStatus {
				t.Fatalf("status %d %s, want %d", r.status, r.raw, s.wantStatus)
			}
			if s.check != nil {
				s.check(t, r)
			}
		})
	}
}

func TestCreateClientValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, body string }{
		{"not JSON", `name=x`},
		{"unknown field", `{"name":"x","scopes":["a"],"secret":"mine"}`},
		{"trailing data", `{"name":"x","scopes":["a"]} {}`},
		{"no scopes", `{"name":"x","scopes":[]}`},
		{"scope with a space", `{"name":"x","scopes":["a b"]}`},
		{"no name", `{"scopes":["a"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("POST", "/clients", admin, tt.body)
			if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" || r.body["detail"] == "" {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		})
	}
}
