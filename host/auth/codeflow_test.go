package auth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host"
)

func TestCodeFlowIssuesUserTokens(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	access, _ := tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	r := e.callEcho(access)
	if r.status != http.StatusOK {
		t.Fatalf("call: %d %s", r.status, r.body)
	}
	var p host.Principal
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Subject != testUser || p.ClientID != agent.id {
		t.Fatalf("principal = %+v, want subject %s acting through %s", p, testUser, agent.id)
	}
}

func TestPublicClientUsesPKCEWithoutSecret(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(true, []string{testRedirect}, "echo:call")
	if agent.secret != "" {
		t.Fatal("a public client got a secret")
	}
	code := e.code(t, agent, "echo:call")
	tokens(t, e.redeem(agent, code, testVerifier))
	// A public client may not use client_credentials.
	r := e.postForm("/oauth2/token", client{}, url.Values{"grant_type": {"client_credentials"}, "client_id": {agent.id}, "scope": {"echo:call"}})
	if r.status == http.StatusOK {
		t.Fatalf("public client got a client_credentials token: %s", r.body)
	}
	// A confidential client must still authenticate.
	conf := e.newAgent(false, []string{testRedirect}, "echo:call")
	code = e.code(t, conf, "echo:call")
	wantOAuthError(t, e.redeem(client{id: conf.id}, code, testVerifier), http.StatusUnauthorized, "invalid_client")
}

func TestCodeReplayRevokesEveryTokenIssuedFromIt(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	code := e.code(t, agent, "echo:call")
	access, refresh := tokens(t, e.redeem(agent, code, testVerifier))
	wantOAuthError(t, e.redeem(agent, code, testVerifier), http.StatusBadRequest, "invalid_grant")
	if r := e.callEcho(access); r.status != http.StatusUnauthorized {
		t.Fatalf("access token of a replayed code: %d, want 401", r.status)
	}
	wantOAuthError(t, e.refresh(agent, refresh), http.StatusBadRequest, "invalid_grant")
}

func TestConcurrentCodeRedemptionYieldsNoLiveToken(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	code := e.code(t, agent, "echo:call")
	var wg sync.WaitGroup
	answers := make([]response, 6)
	for i := range answers {
		wg.Go(func() { answers[i] = e.redeem(agent, code, testVerifier) })
	}
	wg.Wait()
	live := 0
	for _, a := range answers {
		if a.status != http.StatusOK {
			continue
		}
		access, _ := tokens(t, a)
		if e.callEcho(access).status == http.StatusOK {
			live++
		}
	}
	if live > 1 {
		t.Fatalf("%d live tokens from one code, want at most 1", live)
	}
}

func TestAuthorizeRefusesMissingOrPlainPKCE(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	for name, edit := range map[string]func(url.Values){
		"missing":                       func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") },
		"plain":                         func(q url.Values) { q.Set("code_challenge", testVerifier); q.Set("code_challenge_method", "plain") },
		"no method (defaults to plain)": func(q url.Values) { q.Del("code_challenge_method") },
	} {
		t.Run(name, func(t *testing.T) {
			q := authParams(agent, "echo:call")
			edit(q)
			got := redirected(t, e.authorize(testUser, q), testRedirect)
			if got.Get("error") != "invalid_request" || got.Get("code") != "" || got.Get("state") != q.Get("state") {
				t.Fatalf("redirect query = %v, want invalid_request with the state and no code", got)
			}
		})
	}
}

func TestVerifierMismatchIsRefused(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(true, []string{testRedirect}, "echo:call")
	code := e.code(t, agent, "echo:call")
	wantOAuthError(t, e.redeem(agent, code, "another-verifier-another-verifier-another-verif"), http.StatusBadRequest, "invalid_grant")
	wantOAuthError(t, e.redeem(agent, code, ""), http.StatusBadRequest, "invalid_grant")
}

func TestRedirectURIMustMatchExactly(t *testing.T) {
	e := newTestEnv(t)
	conf := e.newAgent(false, []string{testRedirect, "http://127.0.0.1/cb"}, "echo:call")
	public := e.newAgent(true, []string{"http://127.0.0.1/cb"}, "echo:call")
	for name, tc := range map[string]struct {
		c        client
		redirect string
	}{
		"prefix":                       {conf, "https://agent.example/call"},
		"extra path":                   {conf, testRedirect + "/extra"},
		"different port, non-loopback": {conf, "https://agent.example:8443/callback"},
		"fragment":                     {conf, testRedirect + "#frag"},
		"query added":                  {conf, testRedirect + "?next=https://evil.example"},
		"open redirect":                {conf, "https://evil.example/callback"},
		"missing":                      {conf, ""},
		"loopback port, confidential":  {conf, "http://127.0.0.1:5555/cb"},
		"loopback other path, public":  {public, "http://127.0.0.1:5555/cb2"},
		"localhost for loopback IP":    {public, "http://localhost:5555/cb"},
	} {
		t.Run(name, func(t *testing.T) {
			q := authParams(tc.c, "echo:call")
			q.Set("redirect_uri", tc.redirect)
			r := e.authorize(testUser, q)
			if r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
				t.Fatalf("answer %d Location %q, want 400 with no redirect", r.status, r.header.Get("Location"))
			}
		})
	}
	t.Run("loopback any port, public", func(t *testing.T) {
		q := authParams(public, "echo:call")
		q.Set("redirect_uri", "http://127.0.0.1:5555/cb")
		if got := redirected(t, e.authorize(testUser, q), "http://127.0.0.1:5555/cb"); got.Get("code") == "" {
			t.Fatalf("no code: %v", got)
		}
	})
	t.Run("token request with another redirect_uri", func(t *testing.T) {
		code := e.code(t, conf, "echo:call")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1/cb"}, "code_verifier": {testVerifier}}
		wantOAuthError(t, e.postFlow(conf, form), http.StatusBadRequest, "invalid_grant")
	})
}

func TestStateRoundTrips(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	q := authParams(agent, "echo:call")
	q.Set("state", "s-Ω/&=+?#x0123")
	if got := redirected(t, e.authorize(testUser, q), testRedirect); got.Get("state") != q.Get("state") {
		t.Fatalf("state = %q, want %q", got.Get("state"), q.Get("state"))
	}
	q.Set("decision", "deny")
	got := redirected(t, e.authorize(testUser, q), testRedirect)
	if got.Get("error") != "access_denied" || got.Get("state") != q.Get("state") {
		t.Fatalf("denied redirect = %v", got)
	}
}

func TestAuthorizeRefusesHostScopesAndUngrantedScopes(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call", "admin", "agents:triage", "agents:continuous", "runs:approve", "agents:")
	for _, scope := range []string{"admin", "echo:call agents:continuous", "echo:call runs:approve", "echo:call agents:", "echo:call tickets:read"} {
		got := redirected(t, e.authorize(testUser, authParams(agent, scope)), testRedirect)
		if got.Get("error") != "invalid_scope" || got.Get("code") != "" {
			t.Fatalf("scope %q: redirect query %v, want invalid_scope", scope, got)
		}
	}
	// Running one agent for the user is theirs to grant: the agent's tools
	// still need their grants, and its writes wait for their approval.
	if got := redirected(t, e.authorize(testUser, authParams(agent, "echo:call agents:triage")), testRedirect); got.Get("code") == "" {
		t.Fatalf("echo:call agents:triage: redirect query %v, want a code", got)
	}
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(true, []string{testRedirect}, "echo:call")
	access1, rt1 := tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	access2, rt2 := tokens(t, e.refresh(agent, rt1))
	if rt2 == rt1 {
		t.Fatal("refresh token did not rotate")
	}
	if e.callEcho(access2).status != http.StatusOK {
		t.Fatal("refreshed access token refused")
	}
	wantOAuthError(t, e.refresh(agent, rt1), http.StatusBadRequest, "invalid_grant")
	for i, tok := range []string{access1, access2} {
		if r := e.callEcho(tok); r.status != http.StatusUnauthorized {
			t.Fatalf("access token %d after refresh reuse: %d, want 401", i+1, r.status)
		}
	}
	wantOAuthError(t, e.refresh(agent, rt2), http.StatusBadRequest, "invalid_grant")
}

func TestConcurrentRefreshWithOneToken(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(true, []string{testRedirect}, "echo:call")
	_, rt := tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	var wg sync.WaitGroup
	answers := make([]response, 8)
	for i := range answers {
		wg.Go(func() { answers[i] = e.refresh(agent, rt) })
	}
	wg.Wait()
	wins := 0
	for _, a := range answers {
		if a.status != http.StatusOK {
			continue
		}
		wins++
		access, next := tokens(t, a)
		// The token was used twice: the family is revoked, the winner's
		// new tokens included.
		if r := e.callEcho(access); r.status != http.StatusUnauthorized {
			t.Fatalf("winner's access token: %d, want 401", r.status)
		}
		wantOAuthError(t, e.refresh(agent, next), http.StatusBadRequest, "invalid_grant")
	}
	if wins > 1 {
		t.Fatalf("%d refreshes with one token succeeded, want at most 1", wins)
	}
}

func TestRevokingAGrantKillsItsTokensAtOnce(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	access, rt := tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	if e.callEcho(access).status != http.StatusOK {
		t.Fatal("token refused before revocation")
	}
	grants, err := e.srv.Grants().List(t.Context(), testUser)
	if err != nil || len(grants) != 1 || grants[0].ClientID != agent.id {
		t.Fatalf("grants = %+v, %v", grants, err)
	}
	if err := e.srv.Grants().Revoke(t.Context(), testUser, agent.id); err != nil {
		t.Fatal(err)
	}
	if r := e.callEcho(access); r.status != http.StatusUnauthorized {
		t.Fatalf("token after grant revocation: %d, want 401", r.status)
	}
	wantOAuthError(t, e.refresh(agent, rt), http.StatusBadRequest, "invalid_grant")
	// Consenting again does not bring the old token back.
	tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	if r := e.callEcho(access); r.status != http.StatusUnauthorized {
		t.Fatalf("old token after re-consent: %d, want 401", r.status)
	}
}

func TestConsentIsRememberedPerScopes(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call", "tickets:read")
	e.code(t, agent, "echo:call")
	ask := func(scope string) bool {
		t.Helper()
		q := authParams(agent, scope)
		req, err := http.NewRequest(http.MethodGet, e.url+"/oauth2/authorize?"+q.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ar, err := e.srv.ParseAuthorize(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		need, err := e.srv.NeedsConsent(t.Context(), ar, testUser)
		if err != nil {
			t.Fatal(err)
		}
		return need
	}
	if ask("echo:call") {
		t.Fatal("consent asked again for the scopes already granted")
	}
	if !ask("echo:call tickets:read") {
		t.Fatal("consent not asked for a new scope")
	}
}

func TestCodeExpires(t *testing.T) {
	clk := newClock()
	e := newTestEnvClock(t, clk.now)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	code := e.code(t, agent, "echo:call")
	clk.advance(6 * time.Minute)
	wantOAuthError(t, e.redeem(agent, code, testVerifier), http.StatusBadRequest, "invalid_grant")
}

func TestUntickedScopeIsNotGranted(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call", "tickets:read")
	q := authParams(agent, "echo:call tickets:read")
	q.Set("grant", "tickets:read")
	got := redirected(t, e.authorize(testUser, q), testRedirect)
	r := e.redeem(agent, got.Get("code"), testVerifier)
	if r.status != http.StatusOK || r.json(t)["scope"] != "tickets:read" {
		t.Fatalf("token answer %d %s, want scope tickets:read only", r.status, r.body)
	}
}

func TestRevokingARefreshTokenRevokesItsFamily(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(true, []string{testRedirect}, "echo:call")
	access, rt := tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	r := e.postForm("/oauth2/revoke", client{}, url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}, "client_id": {agent.id}})
	if r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.callEcho(access); r.status != http.StatusUnauthorized {
		t.Fatalf("access token after its refresh token was revoked: %d, want 401", r.status)
	}
	wantOAuthError(t, e.refresh(agent, rt), http.StatusBadRequest, "invalid_grant")
}

// TestVerifierChecksTheUsersGrant: a token acting for a user (claim ggen)
// verifies only while the user's grant to its client stands at that
// generation, whatever the deny-list says.
func TestVerifierChecksTheUsersGrant(t *testing.T) {
	e := newTestEnv(t)
	claims := e.goodClaims()
	client := claims["client_id"].(string)
	claims = with(claims, "sub", "bob", "ggen", 0)
	tok := forge(t, jwt.SigningMethodES256, e.key, e.goodHeader(), claims)
	if _, err := e.srv.Verifier().Verify(t.Context(), tok); err == nil {
		t.Fatal("a user token verified without any grant")
	}
	if _, err := e.db.Auth().PutGrant(t.Context(), "bob", client, []string{"echo:call"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	p, err := e.srv.Verifier().Verify(t.Context(), tok)
	if err != nil || p.Subject != "bob" || p.ClientID != client {
		t.Fatalf("with the grant: %+v, %v", p, err)
	}
	if _, err := e.db.Auth().RevokeGrant(t.Context(), "bob", client, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Auth().PutGrant(t.Context(), "bob", client, []string{"echo:call"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Verifier().Verify(t.Context(), tok); err == nil {
		t.Fatal("a token of an earlier grant generation verified after re-consent")
	}
}

// Withdrawing a user's grant to an agent voids the tokens a sub-agent got by
// exchanging the agent's token too (the grant's tokens are denied, and the
// ancestor link also carries the grant's generation).
func TestRevokingAGrantKillsExchangedTokens(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(false, []string{testRedirect}, "echo:call")
	access, _ := tokens(t, e.redeem(agent, e.code(t, agent, "echo:call"), testVerifier))
	sub := e.newClient("echo:call")
	child := e.exchange(sub, access, "echo:call")
	if p := e.verify(child); p.Subject != testUser {
		t.Fatalf("child acts for %q, want %q", p.Subject, testUser)
	}
	if err := e.srv.Grants().Revoke(t.Context(), testUser, agent.id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Verifier().Verify(t.Context(), child); err == nil {
		t.Fatal("a token exchanged from a withdrawn grant's token still verifies")
	}
}
