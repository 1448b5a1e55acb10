package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/runs"
)

// admin sends method path as the admin user.
func (f *fixture) admin(method, path, body string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.http.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.SetBasicAuth("admin", adminPassword)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.do(req)
}

func TestAdminMounts(t *testing.T) {
	f := newFixture(t, options{})
	client, tok := f.token("echo:call")
	f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"audited"}`)
	tests := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"create a client", http.MethodPost, "/admin/api/v1/clients", `{"name":"a","scopes":["echo:call"]}`, 201, `"client_secret"`},
		{"audit log", http.MethodGet, "/admin/api/v1/audit?client_id=" + client, "", 200, `"plugin":"echo"`},
		{"audit chain", http.MethodGet, "/admin/api/v1/audit/verify", "", 200, `"entries"`},
		{"webhook secret", http.MethodGet, "/admin/api/v1/webhook-secrets/" + client, "", 200, runs.SecretPrefix},
		{"webhook secret of no client", http.MethodGet, "/admin/api/v1/webhook-secrets/nope", "", 404, "not-found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.admin(tt.method, tt.path, tt.body)
			if r.StatusCode != tt.status || !strings.Contains(string(r.body), tt.contains) {
				t.Fatalf("%d %s", r.StatusCode, r.body)
			}
		})
	}
	t.Run("webhook secret verifies the client's callbacks", func(t *testing.T) {
		var ws WebhookSecret
		if err := json.Unmarshal(f.admin(http.MethodGet, "/admin/api/v1/webhook-secrets/"+client, "").body, &ws); err != nil {
			t.Fatal(err)
		}
		key, err := runs.ParseSecret(ws.Secret)
		if err != nil || string(key) != string(f.runs.KeyFor(client)) {
			t.Fatalf("secret %q does not decode to the client's key: %v", ws.Secret, err)
		}
	})
	t.Run("needs the admin", func(t *testing.T) {
		for _, path := range []string{"/admin/api/v1/audit", "/admin/api/v1/webhook-secrets/" + client} {
			if r := f.call(http.MethodGet, path, tok, ""); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with a client token: %d", path, r.StatusCode)
			}
		}
	})
}

func TestAdminLimits(t *testing.T) {
	f := newFixture(t, options{})
	client, _ := f.token("echo:call")
	tests := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"defaults at first", http.MethodGet, "/admin/api/v1/limits/" + client, "", 200, `"default":true`},
		{"set", http.MethodPut, "/admin/api/v1/limits/" + client, `{"rate":5,"burst":10,"concurrency":2}`, 200, `"rate":5`},
		{"read back", http.MethodGet, "/admin/api/v1/limits/" + client, "", 200, `"concurrency":2,"default":false`},
		{"invalid", http.MethodPut, "/admin/api/v1/limits/" + client, `{"rate":5,"burst":0}`, 422, "burst"},
		{"unknown field", http.MethodPut, "/admin/api/v1/limits/" + client, `{"rps":5}`, 400, "bad-request"},
		{"unknown client", http.MethodPut, "/admin/api/v1/limits/nope", `{"rate":5,"burst":1}`, 404, "not-found"},
		{"back to defaults", http.MethodDelete, "/admin/api/v1/limits/" + client, "", 204, ""},
		{"defaults again", http.MethodGet, "/admin/api/v1/limits/" + client, "", 200, `"default":true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.admin(tt.method, tt.path, tt.body)
			if r.StatusCode != tt.status || !strings.Contains(string(r.body), tt.contains) {
				t.Fatalf("%d %s", r.StatusCode, r.body)
			}
		})
	}
}

// TestAdminAPIAppliesClientLimits: a client's rate limit binds on the admin
// API as it does on /v1, and one client's limit leaves others alone.
func TestAdminAPIAppliesClientLimits(t *testing.T) {
	f := newFixture(t, options{})
	limited, tok := f.token("admin")
	if r := f.admin(http.MethodPut, "/admin/api/v1/limits/"+limited, `{"rate":0.001,"burst":2,"concurrency":4}`); r.StatusCode != 200 {
		t.Fatalf("set limits: %d %s", r.StatusCode, r.body)
	}
	get := func(token string) response {
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/admin/api/v1/clients", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return f.do(req)
	}
	for i := range 2 {
		if r := get(tok); r.StatusCode != 200 {
			t.Fatalf("request %d of the burst: %d %s", i, r.StatusCode, r.body)
		}
	}
	r := get(tok)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.body), KindRateLimited) {
		t.Fatalf("over the rate: %d %s", r.StatusCode, r.body)
	}
	audit := func(token string) response {
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/admin/api/v1/audit", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return f.do(req)
	}
	if r := audit(tok); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the audit routes are not limited: %d", r.StatusCode)
	}
	_, other := f.token("admin")
	if r := get(other); r.StatusCode != 200 {
		t.Fatalf("another client: %d %s", r.StatusCode, r.body)
	}
}
