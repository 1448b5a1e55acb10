package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth"
)

// exchangeForm is a token exchange of subject for scope.
func exchangeForm(subject, scope string, extra ...string) url.Values {
	f := url.Values{
		"grant_type": {auth.GrantTypeTokenExchange}, "subject_token": {subject},
		"subject_token_type": {auth.TokenTypeAccessToken}, "scope": {scope},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Add(extra[i], extra[i+1])
	}
	return f
}

// exchange exchanges subject as c for scope, or fails the test.
func (e *testEnv) exchange(c client, subject, scope string) string {
	e.t.Helper()
	r := e.postForm(auth.TokenPath, c, exchangeForm(subject, scope))
	if r.status != http.StatusOK {
		e.t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	return r.json(e.t)["access_token"].(string)
}

// verify returns the principal of tok, or fails the test.
func (e *testEnv) verify(tok string) host.Principal {
	e.t.Helper()
	p, err := e.srv.Verifier().Verify(e.t.Context(), tok)
	if err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	return p
}

func TestTokenExchangeNarrowsAndChainsActors(t *testing.T) {
	e := newTestEnv(t)
	parent := e.newClient("echo:call", "github:issues.read", "tickets:analyze")
	child := e.newClient("echo:call", "github:issues.read", "other:call")
	ptok := e.token(parent, "echo:call github:issues.read")

	r := e.postForm(auth.TokenPath, child, exchangeForm(ptok, "echo:call other:call tickets:analyze"))
	if r.status != 200 {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	body := r.json(t)
	if body["issued_token_type"] != auth.TokenTypeAccessToken || !strings.EqualFold(body["token_type"].(string), "bearer") ||
		body["scope"] != "echo:call" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("response = %v (Cache-Control %q)", body, r.header.Get("Cache-Control"))
	}
	ctok := body["access_token"].(string)
	_, pclaims := decodeJWT(t, ptok)
	_, claims := decodeJWT(t, ctok)
	act, _ := claims["act"].(map[string]any)
	inner, _ := act["act"].(map[string]any)
	if claims["sub"] != parent.id || claims["client_id"] != child.id || claims["scope"] != "echo:call" ||
		act["sub"] != child.id || inner["sub"] != parent.id || inner["act"] != nil {
		t.Fatalf("claims = %v", claims)
	}
	if claims["exp"].(float64) > pclaims["exp"].(float64) {
		t.Fatalf("child exp %v after parent exp %v", claims["exp"], pclaims["exp"])
	}
	p := e.verify(ctok)
	if p.ClientID != child.id || p.Subject != parent.id || !slices.Equal(p.Scopes, []string{"echo:call"}) ||
		!slices.Equal(p.Actors, []string{parent.id, child.id}) {
		t.Fatalf("principal = %+v", p)
	}
	if r := e.callEcho(ctok); r.status != 200 {
		t.Fatalf("the child token is refused: %d %s", r.status, r.body)
	}

	t.Run("a grandchild nests one more actor", func(t *testing.T) {
		grand := e.newClient("echo:call")
		gp := e.verify(e.exchange(grand, ctok, "echo:call"))
		if gp.Subject != parent.id || !slices.Equal(gp.Actors, []string{parent.id, child.id, grand.id}) {
			t.Fatalf("principal = %+v", gp)
		}
	})
	t.Run("a client may narrow its own token", func(t *testing.T) {
		self := e.verify(e.exchange(parent, ptok, "github:issues.read"))
		if !slices.Equal(self.Scopes, []string{"github:issues.read"}) || !slices.Equal(self.Actors, []string{parent.id, parent.id}) {
			t.Fatalf("principal = %+v", self)
		}
	})
}

// TestTokenExchangeRefusals holds the attacks on the exchange: a child
// asking for more than its parent, an unauthenticated exchange, foreign,
// revoked, expired or malformed subject tokens, and bad parameters.
func TestTokenExchangeRefusals(t *testing.T) {
	e := newTestEnv(t, func(c *auth.Config) { c.Resources = []string{"http://mcp.test/mcp"} })
	parent := e.newClient("echo:call", "github:issues.read")
	child := e.newClient("echo:call", "admin", "other:call")
	ptok := e.token(parent, "echo:call")
	revoked := e.token(parent, "echo:call")
	if r := e.postForm(auth.RevokePath, parent, url.Values{"token": {revoked}}); r.status != 200 {
		t.Fatalf("revoke: %d", r.status)
	}
	mcpTok := e.tokenForResource(parent, "echo:call", "http://mcp.test/mcp")
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	foreign := forge(t, jwt.SigningMethodES256, otherKey, e.goodHeader(), e.goodClaims())
	tests := []struct {
		name      string
		client    client
		form      url.Values
		wantCode  int
		wantError string
	}{
		{"scope the parent lacks, though the child may have it", child, exchangeForm(ptok, "admin"), 400, "invalid_scope"},
		{"scope the parent has but the child may not", child, exchangeForm(e.token(parent, "github:issues.read"), "github:issues.read"), 400, "invalid_scope"},
		{"no scope", child, exchangeForm(ptok, ""), 400, "invalid_scope"},
		{"no client authentication", client{}, exchangeForm(ptok, "echo:call"), 401, "invalid_client"},
		{"client_id without a secret (a public client)", client{}, exchangeForm(ptok, "echo:call", "client_id", child.id), 401, "invalid_client"},
		{"wrong secret", client{child.id, "wrong"}, exchangeForm(ptok, "echo:call"), 401, "invalid_client"},
		{"revoked subject token", child, exchangeForm(revoked, "echo:call"), 400, "invalid_request"},
		{"subject token signed by another key", child, exchangeForm(foreign, "echo:call"), 400, "invalid_request"},
		{"garbage subject token", child, exchangeForm("a.b.c", "echo:call"), 400, "invalid_request"},
		{"token of another audience asking for ours", child, exchangeForm(mcpTok, "echo:call", "resource", e.url), 400, "invalid_target"},
		{"audience the parent is not for", child, exchangeForm(ptok, "echo:call", "audience", "https://elsewhere.example"), 400, "invalid_target"},
		{"no subject token", child, exchangeForm("", "echo:call"), 400, "invalid_request"},
		{"wrong subject token type", child, exchangeForm(ptok, "echo:call", "subject_token_type", "urn:ietf:params:oauth:token-type:id_token"), 400, "invalid_request"},
		{"id token requested", child, exchangeForm(ptok, "echo:call", "requested_token_type", "urn:ietf:params:oauth:token-type:id_token"), 400, "invalid_request"},
		{"actor token", child, exchangeForm(ptok, "echo:call", "actor_token", ptok, "actor_token_type", auth.TokenTypeAccessToken), 400, "invalid_request"},
		{"two subject tokens", child, exchangeForm(ptok, "echo:call", "subject_token", ptok), 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postForm(auth.TokenPath, tt.client, tt.form)
			if r.status != tt.wantCode || r.json(t)["error"] != tt.wantError {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tt.wantCode, tt.wantError)
			}
			if _, ok := r.json(t)["access_token"]; ok {
				t.Fatal("a refused exchange got a token")
			}
		})
	}
	t.Run("a token of another audience stays for that audience", func(t *testing.T) {
		ctok := e.exchange(child, mcpTok, "echo:call")
		if _, claims := decodeJWT(t, ctok); !slices.Equal(stringList(claims["aud"]), []string{"http://mcp.test/mcp"}) {
			t.Fatalf("aud = %v", claims["aud"])
		}
		if r := e.callEcho(ctok); r.status != 401 {
			t.Fatalf("the REST resource accepted an MCP child token: %d", r.status)
		}
	})
}

// tokenForResource gets a token for an RFC 8707 resource.
func (e *testEnv) tokenForResource(c client, scope, resource string) string {
	e.t.Helper()
	r := e.postForm(auth.TokenPath, c, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}, "resource": {resource}})
	if r.status != 200 {
		e.t.Fatalf("token for %s: %d %s", resource, r.status, r.body)
	}
	return r.json(e.t)["access_token"].(string)
}

// TestChildNeverOutlivesItsParent: the child's exp is the parent's when the
// parent has less than a full lifetime left, and a parent about to expire
// (or expired) cannot be exchanged.
func TestChildNeverOutlivesItsParent(t *testing.T) {
	clk := newClock()
	e := newTestEnvClock(t, clk.now)
	parent, child := e.newClient("echo:call"), e.newClient("echo:call")
	ptok := e.token(parent, "echo:call")
	clk.advance(10 * time.Minute)
	r := e.postForm(auth.TokenPath, child, exchangeForm(ptok, "echo:call"))
	if r.status != 200 {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	_, pclaims := decodeJWT(t, ptok)
	_, claims := decodeJWT(t, r.json(t)["access_token"].(string))
	if claims["exp"] != pclaims["exp"] {
		t.Fatalf("child exp %v, parent exp %v", claims["exp"], pclaims["exp"])
	}
	if in := r.json(t)["expires_in"].(float64); in > 5*60 || in <= 0 {
		t.Fatalf("expires_in = %v, want at most the parent's remaining 300 s", in)
	}
	clk.advance(5 * time.Minute)
	if r := e.postForm(auth.TokenPath, child, exchangeForm(ptok, "echo:call")); r.status != 400 || r.json(t)["error"] != "invalid_request" {
		t.Fatalf("exchange of an expired parent: %d %s", r.status, r.body)
	}
}

func TestExchangeDepthIsCapped(t *testing.T) {
	for _, depth := range []int{0, 2} { // 0: the default
		want := depth
		if want == 0 {
			want = host.DefaultMaxDelegationDepth
		}
		t.Run("depth "+string(rune('0'+want)), func(t *testing.T) {
			e := newTestEnv(t, func(c *auth.Config) { c.MaxDelegationDepth = depth })
			c := e.newClient("echo:call")
			tok := e.token(c, "echo:call")
			for i := range want {
				tok = e.exchange(c, tok, "echo:call")
				if d := e.verify(tok).Depth(); d != i+1 {
					t.Fatalf("after %d exchanges depth = %d", i+1, d)
				}
			}
			r := e.postForm(auth.TokenPath, c, exchangeForm(tok, "echo:call"))
			if r.status != 400 || r.json(t)["error"] != "invalid_request" || !strings.Contains(string(r.body), "deep") {
				t.Fatalf("exchange %d: %d %s", want+1, r.status, r.body)
			}
		})
	}
}

// TestRevokingAParentKillsEveryDescendant: revoking a token, or any change
// of an ancestor's client, voids the tokens exchanged from it at once, on
// every verifier, even those that had cached them as good.
func TestRevokingAParentKillsEveryDescendant(t *testing.T) {
	cases := []struct {
		name string
		kill func(e *testEnv, parent client, ptok string)
	}{
		{"revoke the parent token", func(e *testEnv, parent client, ptok string) {
			if r := e.postForm(auth.RevokePath, parent, url.Values{"token": {ptok}}); r.status != 200 {
				e.t.Fatalf("revoke: %d %s", r.status, r.body)
			}
		}},
		{"disable the parent's client", func(e *testEnv, parent client, _ string) {
			if _, err := e.srv.Clients().Disable(e.t.Context(), parent.id); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"delete the parent's client", func(e *testEnv, parent client, _ string) {
			if err := e.srv.Clients().Delete(e.t.Context(), parent.id); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"rotate the parent's secret", func(e *testEnv, parent client, _ string) {
			if _, _, err := e.srv.Clients().RotateSecret(e.t.Context(), parent.id); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"take a scope from the parent's client", func(e *testEnv, parent client, _ string) {
			if _, err := e.srv.Clients().UpdateScopes(e.t.Context(), parent.id, []string{"github:issues.read"}); err != nil {
				e.t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			parent, child, grand := e.newClient("echo:call"), e.newClient("echo:call"), e.newClient("echo:call")
			ptok := e.token(parent, "echo:call")
			ctok := e.exchange(child, ptok, "echo:call")
			gtok := e.exchange(grand, ctok, "echo:call")
			sibling := e.token(child, "echo:call") // the child's own, not descended
			other := e.srv.NewVerifier()
			for _, tok := range []string{ptok, ctok, gtok, sibling} { // warm both caches
				e.verify(tok)
				if _, err := other.Verify(t.Context(), tok); err != nil {
					t.Fatal(err)
				}
			}
			tc.kill(e, parent, ptok)
			for name, tok := range map[string]string{"child": ctok, "grandchild": gtok} {
				for vname, v := range map[string]*auth.Verifier{"server": e.srv.Verifier(), "other": other} {
					if _, err := v.Verify(t.Context(), tok); !errors.Is(err, auth.ErrTokenRevoked) {
						t.Errorf("%s on the %s verifier: %v, want ErrTokenRevoked", name, vname, err)
					}
				}
				if r := e.callEcho(tok); r.status != 401 {
					t.Errorf("%s over HTTP: %d", name, r.status)
				}
			}
			if r := e.postForm(auth.TokenPath, grand, exchangeForm(ctok, "echo:call")); r.status != 400 {
				t.Errorf("exchange of a dead child: %d %s", r.status, r.body)
			}
			if r := e.callEcho(sibling); r.status != 200 {
				t.Errorf("a token the child got for itself died too: %d", r.status)
			}
		})
	}
	t.Run("revoking the child spares the parent", func(t *testing.T) {
		e := newTestEnv(t)
		parent, child := e.newClient("echo:call"), e.newClient("echo:call")
		ptok := e.token(parent, "echo:call")
		ctok := e.exchange(child, ptok, "echo:call")
		if r := e.postForm(auth.RevokePath, child, url.Values{"token": {ctok}}); r.status != 200 {
			t.Fatalf("revoke: %d", r.status)
		}
		if r := e.callEcho(ctok); r.status != 401 {
			t.Fatalf("revoked child: %d", r.status)
		}
		if r := e.callEcho(ptok); r.status != 200 {
			t.Fatalf("parent after its child was revoked: %d", r.status)
		}
	})
}

// TestForgedDelegationClaimsAreRefused: act and chain must agree, even in a
// token signed with our key.
func TestForgedDelegationClaimsAreRefused(t *testing.T) {
	e := newTestEnv(t)
	good := e.goodClaims()
	parent := e.newClient("echo:call").id
	exp := good["exp"].(int64)
	link := func(client string, exp int64) []any {
		return []any{map[string]any{"jti": "p1", "client_id": client, "gen": 0, "exp": exp}}
	}
	act := func(ids ...string) any {
		var a map[string]any
		for _, id := range ids {
			n := map[string]any{"sub": id}
			if a != nil {
				n["act"] = a
			}
			a = n
		}
		return a
	}
	me := good["client_id"].(string)
	valid := with(good, "act", act(parent, me), "chain", link(parent, exp))
	if _, err := e.srv.Verifier().Verify(t.Context(), forge(t, jwt.SigningMethodES256, e.key, e.goodHeader(), valid)); err != nil {
		t.Fatalf("a consistent delegated token is refused: %v", err)
	}
	for name, claims := range map[string]jwt.MapClaims{
		"act without chain":          with(good, "act", act(parent, me)),
		"chain without act":          with(good, "chain", link(parent, exp)),
		"act's actor is not client":  with(valid, "act", act(parent, "someone")),
		"chain names another client": with(valid, "chain", link(me, exp)),
		"ancestor expires first":     with(valid, "chain", link(parent, exp-60)),
		"ancestor's client unknown":  with(valid, "act", act("nobody", me), "chain", link("nobody", exp)),
		"ancestor without gen":       with(valid, "chain", []any{map[string]any{"jti": "p1", "client_id": parent, "exp": exp}}),
	} {
		t.Run(name, func(t *testing.T) {
			tok := forge(t, jwt.SigningMethodES256, e.key, e.goodHeader(), claims)
			if _, err := e.srv.Verifier().Verify(t.Context(), tok); !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
}
