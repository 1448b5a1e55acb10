package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
)

// decodeJWT returns a token's header and claims without verifying it.
func decodeJWT(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestTokenEndpointIssuesRFC9068Tokens(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient("echo:call", "github:issues.read")
	r := e.tokenResponse(c, "echo:call")
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	body := r.json(t)
	if !strings.EqualFold(body["token_type"].(string), "bearer") || body["scope"] != "echo:call" || body["expires_in"].(float64) < 890 {
		t.Fatalf("response = %v", body)
	}
	header, claims := decodeJWT(t, body["access_token"].(string))
	if header["typ"] != "at+jwt" || header["alg"] != "ES256" || header["kid"] != e.kid {
		t.Errorf("header = %v", header)
	}
	aud, _ := claims["aud"].([]any)
	if claims["iss"] != e.url || len(aud) != 1 || aud[0] != e.url || claims["sub"] != c.id ||
		claims["client_id"] != c.id || claims["scope"] != "echo:call" || claims["jti"] == "" {
		t.Errorf("claims = %v", claims)
	}
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 900 {
		t.Errorf("lifetime = %vs, want 900s", life)
	}
	if r := e.callEcho(body["access_token"].(string)); r.status != 200 || r.json(t)["ClientID"] != c.id {
		t.Fatalf("resource refused the token: %d %s", r.status, r.body)
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient("echo:call")
	disabled := e.newClient("echo:call")
	if _, err := e.srv.Clients().Disable(t.Context(), disabled.id); err != nil {
		t.Fatal(err)
	}
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}}
	tests := []struct {
		name      string
		client    client
		form      url.Values
		query     string
		wantCode  int
		wantError string
	}{
		{"scope not granted to the client", c, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call admin"}}, "", 400, "invalid_scope"},
		{"scope of another plugin", c, url.Values{"grant_type": {"client_credentials"}, "scope": {"github:issues.write"}}, "", 400, "invalid_scope"},
		{"scope prefix is not a wildcard", c, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo"}}, "", 400, "invalid_scope"},
		{"no scope", c, url.Values{"grant_type": {"client_credentials"}}, "", 400, "invalid_scope"},
		{"password grant", c, url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}, "scope": {"echo:call"}}, "", 400, "unsupported_grant_type"},
		{"no grant type", c, url.Values{"scope": {"echo:call"}}, "", 400, "invalid_request"},
		{"wrong secret", client{c.id, c.secret + "x"}, cc, "", 401, "invalid_client"},
		{"unknown client", client{"nobody", "x"}, cc, "", 401, "invalid_client"},
		{"disabled client", disabled, cc, "", 401, "invalid_client"},
		{"no credentials", client{}, cc, "", 401, "invalid_client"},
		{"client assertion", client{}, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}, "client_id": {c.id},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"a.b.c"}}, "", 401, "invalid_client"},
		{"basic and post at once", c, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}, "client_id": {c.id}, "client_secret": {c.secret}}, "", 400, "invalid_request"},
		{"secret in the query string", client{}, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}}, "?client_id=" + c.id + "&client_secret=" + c.secret, 400, "invalid_request"},
		{"audience of another resource", c, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}, "audience": {"https://other.example"}}, "", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postForm(auth.TokenPath+tt.query, tt.client, tt.form)
			if r.status != tt.wantCode || r.json(t)["error"] != tt.wantError {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tt.wantCode, tt.wantError)
			}
			if strings.Contains(string(r.body), "access_token") {
				t.Fatal("a refused request got a token")
			}
		})
	}
	t.Run("client_secret_post works", func(t *testing.T) {
		r := e.postForm(auth.TokenPath, client{}, url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}, "client_id": {c.id}, "client_secret": {c.secret}})
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
	})
}

func TestResourceEnforcement(t *testing.T) {
	e := newTestEnv(t)
	echo := e.token(e.newClient("echo:call"), "echo:call")
	other := e.token(e.newClient("github:issues.read"), "github:issues.read")
	metadata := `resource_metadata="` + e.url + `/.well-known/oauth-protected-resource"`
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantAuth   string
		noError    bool
	}{
		{"no token", func() *http.Request { return newReq(t, e.url, "", "", "") }, 401, metadata, true},
		{"token in the query string", func() *http.Request { return newReq(t, e.url, "?access_token="+echo, "", "") }, 401, `error="invalid_request"`, false},
		{"token in the query string beside a good header", func() *http.Request { return newReq(t, e.url, "?access_token="+echo, echo, "") }, 401, `error="invalid_request"`, false},
		{"token in the form body", func() *http.Request { return newReq(t, e.url, "", "", "access_token="+echo) }, 401, metadata, true},
		{"basic instead of bearer", func() *http.Request {
			r := newReq(t, e.url, "", "", "")
			r.SetBasicAuth("a", "b")
			return r
		}, 401, metadata, true},
		{"garbage token", func() *http.Request { return newReq(t, e.url, "", "garbage", "") }, 401, `error="invalid_token"`, false},
		{"scope for another plugin's action", func() *http.Request { return newReq(t, e.url, "", other, "") }, 403, `error="insufficient_scope", scope="echo:call"`, false},
		{"right scope", func() *http.Request { return newReq(t, e.url, "", echo, "") }, 200, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.req())
			if r.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			got := r.header.Get("WWW-Authenticate")
			if !strings.Contains(got, tt.wantAuth) || (tt.wantStatus != 200 && !strings.Contains(got, metadata)) {
				t.Fatalf("WWW-Authenticate = %q, want it to contain %q and %q", got, tt.wantAuth, metadata)
			}
			if tt.noError && strings.Contains(got, "error=") {
				t.Fatalf("WWW-Authenticate = %q carries an error code", got)
			}
			if tt.wantStatus != 200 && r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("Content-Type = %q", r.header.Get("Content-Type"))
			}
			// The README's list of problem types: every 401 here is invalid-token.
			if typ := "https://saa.dev/problems/invalid-token"; tt.wantStatus == 401 && r.json(t)["type"] != typ {
				t.Fatalf("problem type %v, want %s", r.json(t)["type"], typ)
			}
		})
	}
}

func newReq(t *testing.T, base, query, bearer, form string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v1/actions/echo/echo"+query, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return req
}

// TestClientSecretBruteForceIsThrottled: guessing a client's secret from one
// address is stopped there; the client itself, from another address, still
// gets its tokens (a client ID is in every token, so anyone knows it).
func TestClientSecretBruteForceIsThrottled(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient("echo:call")
	for i := range auth.DefaultFailureLimit {
		if r := e.tokenResponse(client{c.id, "guess"}, "echo:call"); r.status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.tokenResponse(client{c.id, "guess"}, "echo:call")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d, Retry-After %q", auth.DefaultFailureLimit, r.status, r.header.Get("Retry-After"))
	}
	t.Run("from the guessing address even the right secret waits", func(t *testing.T) {
		if r := e.tokenResponse(c, "echo:call"); r.status != http.StatusTooManyRequests {
			t.Fatalf("status %d", r.status)
		}
	})
	for _, path := range []string{auth.IntrospectPath, auth.RevokePath} {
		t.Run(path+" shares the limit", func(t *testing.T) {
			if r := e.postForm(path, client{c.id, "guess"}, url.Values{"token": {"x"}}); r.status != http.StatusTooManyRequests {
				t.Fatalf("status %d", r.status)
			}
		})
	}
	t.Run("the client from another address gets its token", func(t *testing.T) {
		owner := e.from("127.0.0.2")
		if r := owner.tokenResponse(c, "echo:call"); r.status != 200 {
			t.Fatalf("owner locked out: %d %s", r.status, r.body)
		}
	})
	t.Run("a guess from a third address is checked, not locked", func(t *testing.T) {
		if r := e.from("127.0.0.3").tokenResponse(client{c.id, "guess"}, "echo:call"); r.status != 401 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
	})
}

func TestFailuresAreThrottledPerSource(t *testing.T) {
	clk := newClock()
	e := newTestEnvClock(t, clk.now)
	good := e.newClient("echo:call")
	for i := range auth.DefaultFailureLimit {
		e.tokenResponse(client{"unknown-" + string(rune('a'+i)), "x"}, "echo:call")
	}
	if r := e.tokenResponse(good, "echo:call"); r.status != http.StatusTooManyRequests {
		t.Fatalf("source not throttled: %d", r.status)
	}
	clk.advance(auth.DefaultFailureWindow)
	if r := e.tokenResponse(good, "echo:call"); r.status != 200 {
		t.Fatalf("after the window: %d %s", r.status, r.body)
	}
}

func TestRotatedSecretWorksAtOnce(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient("echo:call")
	old := e.token(c, "echo:call")
	_, secret, err := e.srv.Clients().RotateSecret(t.Context(), c.id)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.tokenResponse(c, "echo:call"); r.status != 401 {
		t.Fatalf("old secret: %d", r.status)
	}
	fresh := e.token(client{c.id, secret}, "echo:call")
	if r := e.callEcho(fresh); r.status != 200 {
		t.Fatalf("token from the new secret refused: %d %s", r.status, r.body)
	}
	if r := e.callEcho(old); r.status != 401 {
		t.Fatalf("token from the old secret still works: %d", r.status)
	}
	_, claims := decodeJWT(t, fresh)
	if iat := int64(claims["iat"].(float64)); iat > time.Now().Unix()+1 {
		t.Fatalf("iat %d too far ahead", iat)
	}
}
