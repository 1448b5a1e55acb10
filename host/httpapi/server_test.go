package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestInvoke(t *testing.T) {
	f := newFixture(t, options{config: func(c *Config) { c.MaxBody = 4096 }})
	_, tok := f.token("echo:call")
	_, other := f.token("echo:other")
	big := `{"message":"` + strings.Repeat("x", 5000) + `"}`
	tests := []struct {
		name    string
		path    string
		token   string
		body    string
		headers []string
		status  int
		kind    string
	}{
		{"ok", "/v1/actions/echo/echo", tok, `{"message":"hi"}`, nil, 200, ""},
		{"no token", "/v1/actions/echo/echo", "", `{"message":"hi"}`, nil, 401, "invalid-token"},
		{"bad token", "/v1/actions/echo/echo", "not-a-jwt", `{"message":"hi"}`, nil, 401, "invalid-token"},
		{"missing scope", "/v1/actions/echo/echo", other, `{"message":"hi"}`, nil, 403, "insufficient-scope"},
		{"unknown action", "/v1/actions/echo/nope", tok, `{"message":"hi"}`, nil, 404, "not-found"},
		{"unknown plugin", "/v1/actions/nope/echo", tok, `{"message":"hi"}`, nil, 404, "not-found"},
		{"not JSON", "/v1/actions/echo/echo", tok, `{"message":`, nil, 400, KindInvalidJSON},
		{"duplicate name", "/v1/actions/echo/echo", tok, `{"message":{"not":"a string"},"message":"b"}`, nil, 400, KindInvalidJSON},
		{"invalid UTF-8", "/v1/actions/echo/echo", tok, "{\"message\":\"\xff\"}", nil, 400, KindInvalidJSON},
		{"async duplicate name", "/v1/actions/echo/echo", tok, `{"message":"a","message":"b"}`, []string{"Prefer", "respond-async"}, 400, KindInvalidJSON},
		{"too big", "/v1/actions/echo/echo", tok, big, nil, 413, KindPayloadTooLarge},
		{"wrong content type", "/v1/actions/echo/echo", tok, `{"message":"hi"}`, []string{"Content-Type", "text/plain"}, 415, KindUnsupportedMedia},
		{"schema violation", "/v1/actions/echo/echo", tok, `{"message":1}`, nil, 422, KindInvalidInput},
		{"unknown field", "/v1/actions/echo/echo", tok, `{"message":"hi","x":1}`, nil, 422, KindInvalidInput},
		{"callback without async", "/v1/actions/echo/echo", tok, `{"message":"hi"}`, []string{HeaderCallbackURL, "https://example.com/cb"}, 400, KindInvalidCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(http.MethodPost, tt.path, tt.token, tt.body, tt.headers...)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, r.body)
			}
			if tt.kind == "" {
				if string(r.body) != tt.body || r.Header.Get(HeaderRunID) == "" {
					t.Fatalf("body %s, run id %q", r.body, r.Header.Get(HeaderRunID))
				}
				return
			}
			if got := problemKind(t, r); got != tt.kind {
				t.Errorf("problem kind %q, want %q: %s", got, tt.kind, r.body)
			}
		})
	}
}

func TestChallenges(t *testing.T) {
	f := newFixture(t, options{})
	_, other := f.token("echo:other")
	tests := []struct {
		name, token, want string
	}{
		{"401 names the resource metadata", "", `resource_metadata="` + f.http.URL + `/.well-known/oauth-protected-resource"`},
		{"403 says insufficient_scope", other, `error="insufficient_scope", scope="echo:call"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(http.MethodPost, "/v1/actions/echo/echo", tt.token, `{"message":"hi"}`)
			if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, tt.want) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestRateLimitPerClient(t *testing.T) {
	f := newFixture(t, options{})
	strict, tok := f.token("echo:call")
	_, relaxed := f.token("echo:call")
	if r := f.admin(http.MethodPut, "/admin/api/v1/limits/"+strict, `{"rate":0.01,"burst":1}`); r.StatusCode != 200 {
		t.Fatalf("set limits: %d %s", r.StatusCode, r.body)
	}
	if r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"1"}`); r.StatusCode != 200 {
		t.Fatalf("first call: %d %s", r.StatusCode, r.body)
	}
	r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"2"}`)
	if r.StatusCode != http.StatusTooManyRequests || problemKind(t, r) != KindRateLimited {
		t.Fatalf("second call: %d %s, want 429 rate-limited", r.StatusCode, r.body)
	}
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	for i := range 20 {
		if r := f.call(http.MethodGet, "/v1/actions", relaxed, ""); r.StatusCode != 200 {
			t.Fatalf("default-limited client throttled at request %d: %d", i, r.StatusCode)
		}
	}
}

func TestCatalog(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	_, other := f.token("echo:other")
	t.Run("lists what the token may call", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/actions", tok, "")
		var c Catalog
		if r.StatusCode != 200 || json.Unmarshal(r.body, &c) != nil || len(c.Actions) != 1 {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		a := c.Actions[0]
		if a.Plugin != "echo" || a.Name != "echo" || a.Effect != "read" || a.Path != "/v1/actions/echo/echo" ||
			len(a.RequiredScopes) != 1 || a.RequiredScopes[0] != "echo:call" || !strings.Contains(string(a.Input), `"message"`) {
			t.Errorf("action = %+v", a)
		}
	})
	t.Run("hides what it may not", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/actions", other, "")
		if r.StatusCode != 200 || string(r.body) != `{"actions":[]}` {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("openai form", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/actions?format=openai", tok, "")
		var tools []OpenAITool
		if r.StatusCode != 200 || json.Unmarshal(r.body, &tools) != nil || len(tools) != 1 {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		if tools[0].Type != "function" || tools[0].Function.Name != "echo-echo" {
			t.Errorf("tool = %+v", tools[0])
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/actions?format=yaml", tok, "")
		if r.StatusCode != 400 {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
}

func TestPublicEndpoints(t *testing.T) {
	f := newFixture(t, options{})
	tests := []struct {
		name, path, contentType, contains string
	}{
		{"liveness", "/healthz", "application/json", `"ok"`},
		{"readiness", "/readyz", "application/json", `"ready"`},
		{"openapi", "/openapi.json", "application/json", `"/v1/actions/echo/echo"`},
		{"docs page", "/docs", "text/html; charset=utf-8", `src="/docs/app.js"`},
		{"docs script", "/docs/app.js", "text/javascript; charset=utf-8", "textContent"},
		{"metrics", "/metrics", "text/plain", "go_goroutines"},
		{"jwks", "/.well-known/jwks.json", "application/json", `"keys"`},
		{"unknown path", "/nope", "application/problem+json", `problems/not-found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(http.MethodGet, tt.path, "", "")
			if !strings.HasPrefix(r.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(string(r.body), tt.contains) {
				t.Errorf("%d %q: %.300s", r.StatusCode, r.Header.Get("Content-Type"), r.body)
			}
			if r.Header.Get(HeaderRequestID) == "" {
				t.Error("no request id")
			}
		})
	}
	t.Run("docs page has a strict CSP", func(t *testing.T) {
		r := f.call(http.MethodGet, "/docs", "", "")
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP = %q", csp)
		}
	})
}

func TestMetricsCountInvocationsAndTokens(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"hi"}`)
	f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":1}`)
	f.call(http.MethodPost, "/v1/actions/secret/thing", tok, `{}`)
	body := string(f.call(http.MethodGet, "/metrics", "", "").body)
	for _, want := range []string{
		`saa_invocations_total{action="echo",outcome="ok",plugin="echo"} 1`,
		`saa_invocations_total{action="echo",outcome="invalid-input",plugin="echo"} 1`,
		`saa_invocations_total{action="unknown",outcome="not-found",plugin="unknown"} 1`,
		`saa_tokens_issued_total 1`,
		`saa_http_requests_total{code="200",method="POST",route="/v1/actions/{plugin}/{action}"} 1`,
		`saa_invocation_duration_seconds_count{action="echo",plugin="echo"} 2`,
		`saa_pool_instances{plugin="echo",state="idle"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRequestID(t *testing.T) {
	f := newFixture(t, options{})
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"kept when plain", "abc-123", true},
		{"replaced when odd", "a b", false},
		{"generated when absent", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(http.MethodGet, "/healthz", "", "", HeaderRequestID, tt.sent)
			got := r.Header.Get(HeaderRequestID)
			if (got == tt.sent) != tt.kept || got == "" {
				t.Errorf("request id %q for %q", got, tt.sent)
			}
		})
	}
}
