package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestXOAuth2DrivesTheCodeFlow runs the flow with golang.org/x/oauth2 as a
// public client would: PKCE S256 from the library, the code from the
// redirect, the exchange, a call, and a refresh through its TokenSource.
func TestXOAuth2DrivesTheCodeFlow(t *testing.T) {
	e := newTestEnv(t)
	agent := e.newAgent(true, []string{testRedirect}, "echo:call")
	cfg := oauth2.Config{
		ClientID:    agent.id,
		Endpoint:    oauth2.Endpoint{AuthURL: e.url + "/oauth2/authorize", TokenURL: e.url + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: testRedirect,
		Scopes:      []string{"echo:call"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("xoauth2-state-0123", oauth2.S256ChallengeOption(verifier))
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := redirected(t, e.authorize(testUser, u.Query()), testRedirect)
	if q.Get("state") != "xoauth2-state-0123" {
		t.Fatalf("state = %q", q.Get("state"))
	}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, e.http)
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token = %+v, want a refresh token and an expiry", tok)
	}
	if r := e.callEcho(tok.AccessToken); r.status != http.StatusOK {
		t.Fatalf("call: %d %s", r.status, r.body)
	}
	// An expired token makes the TokenSource refresh.
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken {
		t.Fatal("the refresh did not rotate both tokens")
	}
	if r := e.callEcho(fresh.AccessToken); r.status != http.StatusOK {
		t.Fatalf("call with the refreshed token: %d %s", r.status, r.body)
	}
	// The library's exchange without the verifier is refused.
	if _, err := cfg.Exchange(ctx, e.code(t, agent, "echo:call")); err == nil {
		t.Fatal("exchange without the PKCE verifier succeeded")
	}
}
