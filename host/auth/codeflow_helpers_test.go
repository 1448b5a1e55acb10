package auth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

// userHeader names the signed-in user for testAuthorize, standing in for
// the admin UI's session, which is tested in admin-ui.
const userHeader = "X-Test-User"

// testAuthorize is the authorization endpoint as the UI drives it: parse,
// then approve the scopes in the "grant" fields (all if none), or deny.
func testAuthorize(srv *auth.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		req, err := srv.ParseAuthorize(ctx, r)
		var ae *auth.AuthorizeError
		switch {
		case errors.As(err, &ae):
			http.Error(w, ae.Reason, http.StatusBadRequest)
			return
		case err != nil:
			srv.WriteAuthorizeError(ctx, w, req, err)
			return
		}
		if r.Form.Get("decision") == "deny" {
			srv.Deny(ctx, w, req)
			return
		}
		granted := r.Form["grant"]
		if len(granted) == 0 {
			granted = req.Scopes
		}
		if err := srv.Approve(ctx, w, req, r.Header.Get(userHeader), granted); err != nil {
			srv.WriteAuthorizeError(ctx, w, req, err)
		}
	}
}

const (
	testRedirect = "https://agent.example/callback"
	testUser     = "alice"
	// testVerifier is a fixed PKCE verifier; its S256 challenge is testChallenge.
	testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

var testChallenge = s256(testVerifier)

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newAgent registers a client for the code flow.
func (e *testEnv) newAgent(public bool, redirects []string, scopes ...string) client {
	e.t.Helper()
	c, secret, err := e.srv.Clients().CreateWith(e.t.Context(), auth.ClientSpec{
		Name: "agent", Scopes: scopes, RedirectURIs: redirects, Public: public,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return client{id: c.ID, secret: secret}
}

// authParams are a valid authorization request's parameters for c.
func authParams(c client, scope string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {testRedirect},
		"scope": {scope}, "state": {"state-1234567890"},
		"code_challenge": {testChallenge}, "code_challenge_method": {"S256"},
	}
}

// authorize sends an authorization request as user, not following the
// redirect.
func (e *testEnv) authorize(user string, q url.Values) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+auth.AuthorizePath+"?"+q.Encode(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set(userHeader, user)
	noFollow := *e.http
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	return response{status: resp.StatusCode, header: resp.Header}
}

// redirected returns the query of the redirect r answered with, failing
// unless it goes to want.
func redirected(t *testing.T, r response, want string) url.Values {
	t.Helper()
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || r.status != http.StatusSeeOther && r.status != http.StatusFound {
		t.Fatalf("answer %d Location %q, want a redirect", r.status, r.header.Get("Location"))
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != want {
		t.Fatalf("redirected to %s, want %s", got, want)
	}
	return loc.Query()
}

// code runs the authorization request as user and returns the code.
func (e *testEnv) code(t *testing.T, c client, scope string) string {
	t.Helper()
	q := redirected(t, e.authorize(testUser, authParams(c, scope)), testRedirect)
	if q.Get("code") == "" || q.Get("error") != "" {
		t.Fatalf("no code: %v", q)
	}
	return q.Get("code")
}

// redeem redeems code with verifier; a public client sends its id in the body.
func (e *testEnv) redeem(c client, code, verifier string) response {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
	return e.postFlow(c, form)
}

func (e *testEnv) refresh(c client, rt string) response {
	e.t.Helper()
	return e.postFlow(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

func (e *testEnv) postFlow(c client, form url.Values) response {
	e.t.Helper()
	if c.secret == "" {
		form.Set("client_id", c.id)
	}
	return e.postForm(auth.TokenPath, c, form)
}

// tokens returns the access and refresh tokens of a 200 answer.
func tokens(t *testing.T, r response) (access, refresh string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("token endpoint: %d %s", r.status, r.body)
	}
	m := r.json(t)
	access, _ = m["access_token"].(string)
	refresh, _ = m["refresh_token"].(string)
	if access == "" || !strings.HasPrefix(refresh, "saa_rt_") {
		t.Fatalf("tokens missing in %s", r.body)
	}
	return access, refresh
}

func wantOAuthError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status || !strings.Contains(string(r.body), `"error":"`+code+`"`) {
		t.Fatalf("answer %d %s, want %d %s", r.status, r.body, status, code)
	}
}
