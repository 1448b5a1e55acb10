package adminui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/plugintest"
)

const agentRedirect = "https://agent.example/callback"

// codeFlowFixture is a fixture running echo, with an agent registered for
// the code flow.
func codeFlowFixture(t *testing.T) (*fixture, auth.Client) {
	t.Helper()
	return codeFlowFixtureWith(t, agentRedirect)
}

func codeFlowFixtureWith(t *testing.T, redirect string) (*fixture, auth.Client) {
	t.Helper()
	f := newFixture(t, fixtureOptions{localPlugins: plugintest.Install(t, plugintest.FirstParty("echo"))})
	c, _, err := f.auth.Clients().CreateWith(t.Context(), auth.ClientSpec{
		Name: "Mail helper", Scopes: []string{"echo:call"}, RedirectURIs: []string{redirect}, Public: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func authorizeQuery(clientID string) string {
	return url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {agentRedirect},
		"scope": {"echo:call"}, "state": {"state-0123456789"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}.Encode()
}

func TestAuthorizeSendsASignedOutUserToSignInAndBack(t *testing.T) {
	f, c := codeFlowFixture(t)
	path := auth.AuthorizePath + "?" + authorizeQuery(c.ID)
	res := f.get(path)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != signinPath+"?next="+url.QueryEscape(path) {
		t.Fatalf("signed out: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	token, cookie := f.signinForm()
	res = f.post(signinPath, url.Values{"csrf_token": {token}, "username": {userName}, "password": {userPassword}, "next": {path}}, cookie)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Fatalf("after sign-in: %d Location %q, want back to %s", res.StatusCode, res.Header.Get("Location"), path)
	}
}

func TestConsentPageSaysWhatInPlainWordsAndCannotBeFramed(t *testing.T) {
	f, c := codeFlowFixture(t)
	s := f.signIn(userName, userPassword)
	res := s.get(auth.AuthorizePath + "?" + authorizeQuery(c.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %d %s", res.StatusCode, res.body)
	}
	for _, want := range []string{"Mail helper", "Return the input message unchanged", "only reads", `name="grant" value="echo:call"`, "https://agent.example", `name="state" value="state-0123456789"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	h := res.Header
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(res.body, "<script") {
		t.Fatalf("consent page headers %v: want frame-ancestors 'none', X-Frame-Options DENY, no script", h)
	}
}

func TestConsentWithoutCSRFTokenIsRefused(t *testing.T) {
	f, c := codeFlowFixture(t)
	s := f.signIn(userName, userPassword)
	form, _ := url.ParseQuery(authorizeQuery(c.ID))
	form.Set("decision", "allow")
	form.Set("grant", "echo:call")
	for name, token := range map[string]string{"missing": "", "wrong": "AAAA" + s.csrf[4:]} {
		fm := url.Values{}
		for k, v := range form {
			fm[k] = v
		}
		if token != "" {
			fm.Set(csrfField, token)
		}
		res := s.f.post(auth.AuthorizePath, fm, s.cookie)
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Location") != "" {
			t.Fatalf("%s CSRF token: %d Location %q, want 403 and no code", name, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if gs, _ := f.auth.Grants().List(t.Context(), userName); len(gs) != 0 {
		t.Fatalf("grants after refused consents: %+v", gs)
	}
}

func TestConsentIsRememberedAndWithdrawnOnTheAccountPage(t *testing.T) {
	f, c := codeFlowFixture(t)
	s := f.signIn(userName, userPassword)
	form, _ := url.ParseQuery(authorizeQuery(c.ID))
	form.Set("decision", "allow")
	form.Set("grant", "echo:call")
	res := s.post(auth.AuthorizePath, form)
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != "state-0123456789" {
		t.Fatalf("consent: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Asked again for the same scopes, the user is not asked again.
	res = s.get(auth.AuthorizePath + "?" + authorizeQuery(c.ID))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), agentRedirect+"?code=") {
		t.Fatalf("remembered consent: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	acct := s.get(accountPath)
	for _, want := range []string{"Mail helper", "Return the input message unchanged", `id="connected-accounts"`, `id="pending-approvals"`, "account.consent"} {
		if !strings.Contains(acct.body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	res = s.post(accountPath+"/grants/"+c.ID+"/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if gs, _ := f.auth.Grants().List(t.Context(), userName); len(gs) != 0 {
		t.Fatalf("grants after revoke: %+v", gs)
	}
	if res := s.get(auth.AuthorizePath + "?" + authorizeQuery(c.ID)); res.StatusCode != http.StatusOK {
		t.Fatalf("after withdrawal the consent page is not shown again: %d", res.StatusCode)
	}
}

func TestAccountActivityIsTheUsersOnly(t *testing.T) {
	f, _ := codeFlowFixture(t)
	for _, e := range []audit.Entry{
		{Kind: audit.KindInvoke, ClientID: "agent-a", Subject: userName, Plugin: "echo", Action: "mine_action", Outcome: audit.OutcomeOK},
		{Kind: audit.KindInvoke, ClientID: "agent-a", Subject: "someone-else", Plugin: "echo", Action: "their_action", Outcome: audit.OutcomeOK},
	} {
		if err := f.rt.Audit().Append(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	body := f.signIn(userName, userPassword).get(accountPath).body
	if !strings.Contains(body, "mine_action") || strings.Contains(body, "their_action") {
		t.Fatal("the account page must show the user's activity and nobody else's")
	}
}

func TestEndUsersNeverReachTheAdminPages(t *testing.T) {
	f, _ := codeFlowFixture(t)
	token, cookie := f.signinForm()
	res := f.post(signinPath, url.Values{"csrf_token": {token}, "username": {userName}, "password": {userPassword}}, cookie)
	if res.Header.Get("Location") != accountPath {
		t.Fatalf("an end user lands on %q, want %s", res.Header.Get("Location"), accountPath)
	}
	s := f.signIn(userName, userPassword)
	for _, p := range []string{basePath, basePath + "/clients", basePath + "/users", basePath + "/audit"} {
		if res := s.get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as an end user: %d, want 403", p, res.StatusCode)
		}
	}
	if res := s.post(basePath+"/users", url.Values{"name": {"x"}, "password": {"a long enough password"}, "role": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("an end user created a user: %d", res.StatusCode)
	}
}

func TestAuthorizeNeverRedirectsToAnUnregisteredURI(t *testing.T) {
	f, c := codeFlowFixture(t)
	s := f.signIn(userName, userPassword)
	q, _ := url.ParseQuery(authorizeQuery(c.ID))
	q.Set("redirect_uri", "https://evil.example/callback")
	res := s.get(auth.AuthorizePath + "?" + q.Encode())
	if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" || !strings.Contains(res.body, "redirect URI") {
		t.Fatalf("unregistered redirect: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Nor does sign-in's next parameter lead off the site.
	if got := safeNext("https://evil.example/oauth2/authorize"); got != basePath {
		t.Fatalf("safeNext = %q", got)
	}
	if got := safeNext("/oauth2/authorizeX"); got != basePath {
		t.Fatalf("safeNext = %q", got)
	}
}

func TestSignupMakesEndUsersOnlyWhenOpen(t *testing.T) {
	f, _ := codeFlowFixture(t)
	if res := f.get(signupPath); res.StatusCode != http.StatusNotFound {
		t.Fatalf("sign-up while off: %d, want 404", res.StatusCode)
	}
	open := newFixture(t, fixtureOptions{signup: true})
	res := open.get(signupPath)
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == signupCookie {
			cookie = c
		}
	}
	token := csrfInput.FindStringSubmatch(res.body)
	if cookie == nil || token == nil {
		t.Fatalf("sign-up form without token: %d", res.StatusCode)
	}
	if res := open.post(signupPath, url.Values{"csrf_token": {token[1]}, "username": {"newbie"}, "password": {"a long enough password"}, "role": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-up without the cookie: %d, want 403", res.StatusCode)
	}
	res = open.post(signupPath, url.Values{"csrf_token": {token[1]}, "username": {"newbie"}, "password": {"a long enough password"}, "role": {"admin"}}, cookie)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != accountPath {
		t.Fatalf("sign-up: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	users, _ := open.auth.Users().List(t.Context())
	for _, u := range users {
		if u.Name == "newbie" && u.Role != "user" {
			t.Fatalf("signed up as %s, want user", u.Role)
		}
	}
}

func TestSigninOnTheWayToAnAgentMayRedirectOnlyToItsRegisteredOrigin(t *testing.T) {
	f, c := codeFlowFixture(t)
	next := auth.AuthorizePath + "?" + authorizeQuery(c.ID)
	csp := f.get(signinPath + "?next=" + url.QueryEscape(next)).Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://agent.example;") {
		t.Fatalf("sign-in CSP %q, want form-action widened to the agent's origin", csp)
	}
	q, _ := url.ParseQuery(authorizeQuery(c.ID))
	q.Set("redirect_uri", "https://evil.example/callback")
	csp = f.get(signinPath + "?next=" + url.QueryEscape(auth.AuthorizePath+"?"+q.Encode())).Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self';") {
		t.Fatalf("sign-in CSP %q for an unregistered redirect, want form-action 'self' only", csp)
	}
}
