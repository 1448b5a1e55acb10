package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

func TestIntrospection(t *testing.T) {
	e := newTestEnv(t)
	rs := e.newClient(auth.ScopeIntrospect)
	agent := e.newClient("echo:call")
	tok := e.token(agent, "echo:call")

	t.Run("allowed client sees an active token", func(t *testing.T) {
		r := e.postForm(auth.IntrospectPath, rs, url.Values{"token": {tok}})
		if r.status != 200 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
		m := r.json(t)
		if m["active"] != true || m["client_id"] != agent.id || m["sub"] != agent.id || m["scope"] != "echo:call" ||
			m["iss"] != e.url || m["token_type"] != "Bearer" || m["exp"] == nil || m["iat"] == nil || m["jti"] == nil {
			t.Fatalf("introspection = %v", m)
		}
	})
	t.Run("garbage is inactive", func(t *testing.T) {
		if m := e.postForm(auth.IntrospectPath, rs, url.Values{"token": {"garbage"}}).json(t); m["active"] != false || len(m) != 1 {
			t.Fatalf("introspection = %v", m)
		}
	})
	t.Run("bearer caller with introspect", func(t *testing.T) {
		r := e.introspectWithBearer(e.token(rs, auth.ScopeIntrospect), tok)
		if r.status != 200 || r.json(t)["active"] != true {
			t.Fatalf("status %d %s", r.status, r.body)
		}
	})
	refusals := []struct {
		name string
		do   func() response
		want int
	}{
		{"client not allowed to introspect", func() response { return e.postForm(auth.IntrospectPath, agent, url.Values{"token": {tok}}) }, http.StatusForbidden},
		{"bearer token without introspect", func() response { return e.introspectWithBearer(e.token(agent, "echo:call"), tok) }, http.StatusForbidden},
		{"bad bearer token", func() response { return e.introspectWithBearer("garbage", tok) }, http.StatusUnauthorized},
		{"revoked bearer token", func() response {
			caller := e.token(rs, auth.ScopeIntrospect)
			if r := e.postForm(auth.RevokePath, rs, url.Values{"token": {caller}}); r.status != 200 {
				t.Fatalf("revoke: %d", r.status)
			}
			return e.introspectWithBearer(caller, tok)
		}, http.StatusUnauthorized},
		{"no credentials", func() response { return e.postForm(auth.IntrospectPath, client{}, url.Values{"token": {tok}}) }, http.StatusUnauthorized},
		{"wrong secret", func() response {
			return e.postForm(auth.IntrospectPath, client{rs.id, "x"}, url.Values{"token": {tok}})
		}, http.StatusUnauthorized},
		{"caller token in the form", func() response {
			return e.postForm(auth.IntrospectPath, rs, url.Values{"token": {tok}, "access_token": {tok}})
		}, http.StatusBadRequest},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			if r.status != tt.want || strings.Contains(string(r.body), `"active"`) {
				t.Fatalf("status %d %s, want %d and no introspection", r.status, r.body, tt.want)
			}
			// RFC 7662 section 2.3: a bad bearer caller is answered as RFC 6750 says.
			if strings.Contains(tt.name, "bearer token") && tt.want == 401 &&
				(r.json(t)["error"] != "invalid_token" || r.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"`) {
				t.Fatalf("bad bearer caller: %s, WWW-Authenticate %q", r.body, r.header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("revoked token is inactive", func(t *testing.T) {
		if r := e.postForm(auth.RevokePath, agent, url.Values{"token": {tok}}); r.status != 200 {
			t.Fatalf("revoke: %d", r.status)
		}
		if m := e.postForm(auth.IntrospectPath, rs, url.Values{"token": {tok}}).json(t); m["active"] != false {
			t.Fatalf("introspection = %v", m)
		}
	})
}

func (e *testEnv) introspectWithBearer(caller, token string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+auth.IntrospectPath, strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+caller)
	return e.do(req)
}

// TestBadClientCredentialsAreInvalidClient: every endpoint that takes client
// credentials answers bad or missing ones alike, as RFC 6749 section 5.2
// says and RFC 7662 section 2.3 and RFC 7009 section 2.1 refer to: 401,
// error invalid_client, a Basic challenge.
func TestBadClientCredentialsAreInvalidClient(t *testing.T) {
	e := newTestEnv(t)
	rs := e.newClient(auth.ScopeIntrospect, "echo:call")
	tok := e.token(rs, "echo:call")
	creds := []struct {
		name string
		c    client
	}{{"wrong secret", client{rs.id, "x"}}, {"unknown client", client{"ghost", "x"}}, {"no credentials", client{}}}
	for _, path := range []string{auth.TokenPath, auth.IntrospectPath, auth.RevokePath} {
		for _, cr := range creds {
			t.Run(path+" "+cr.name, func(t *testing.T) {
				form := url.Values{"token": {tok}, "grant_type": {"client_credentials"}, "scope": {"echo:call"}}
				r := e.postForm(path, cr.c, form)
				if r.status != http.StatusUnauthorized || r.json(t)["error"] != "invalid_client" ||
					!strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
					t.Fatalf("status %d, WWW-Authenticate %q, body %s", r.status, r.header.Get("WWW-Authenticate"), r.body)
				}
			})
		}
	}
}
