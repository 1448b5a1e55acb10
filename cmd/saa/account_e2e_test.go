package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestE2EActingForAUser runs the authorization code flow against the real
// binary: an admin creates an end user and a public agent over the admin
// API; the agent (x/oauth2, PKCE) sends the user to the authorization
// endpoint, who signs in and consents through the HTML forms; the agent
// calls echo as the user, the audit log names both, and withdrawing the
// grant on /account voids the token at once.
func TestE2EActingForAUser(t *testing.T) {
	srv := startServe(t, freePort(t), t.TempDir())
	admin := "Basic admin:" + srv.adminPassword()
	if r := srv.postJSON("/admin/api/v1/users", admin, `{"name":"alice","password":"alice's long password","role":"user"}`); r.status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	var agent struct {
		ID string `json:"client_id"`
	}
	srv.decode(srv.postJSON("/admin/api/v1/clients", admin, `{"name":"mail helper","scopes":["echo:call"],"redirect_uris":["http://127.0.0.1/callback"],"public":true}`), http.StatusCreated, &agent)

	cfg := oauth2.Config{
		ClientID:    agent.ID,
		Endpoint:    oauth2.Endpoint{AuthURL: srv.base + "/oauth2/authorize", TokenURL: srv.base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: "http://127.0.0.1:5555/callback",
		Scopes:      []string{"echo:call"},
	}
	verifier := oauth2.GenerateVerifier()
	b := newBrowserless(t)
	loc := b.get(cfg.AuthCodeURL("e2e-state-0123", oauth2.S256ChallengeOption(verifier)))
	signin := b.get(srv.base + loc)
	b.post(srv.base+"/admin/signin", url.Values{"csrf_token": {csrfOf(t, signin)}, "username": {"alice"}, "password": {"alice's long password"}, "next": {hidden(t, signin, "next")}})
	consent := b.page(srv.base + hidden(t, signin, "next"))
	if !strings.Contains(consent, "Return the input message unchanged") {
		t.Fatalf("consent page:\n%s", consent)
	}
	form := url.Values{"decision": {"allow"}, "grant": {"echo:call"}}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(consent, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	back, err := url.Parse(b.post(srv.base+"/oauth2/authorize", form))
	if err != nil || back.Host != "127.0.0.1:5555" || back.Query().Get("state") != "e2e-state-0123" {
		t.Fatalf("consent redirected to %v", back)
	}
	tok, err := cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tok.AccessToken
	if r := srv.postJSON("/v1/actions/echo/echo", bearer, `{"message":"as alice"}`); r.status != http.StatusOK {
		t.Fatalf("call as alice: %d %s", r.status, r.body)
	}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		r := srv.request(http.MethodGet, "/admin/api/v1/audit?plugin=echo&client_id="+agent.ID, admin, nil)
		if !strings.Contains(string(r.body), `"subject":"alice"`) {
			return fmt.Errorf("audit: %s", r.body)
		}
		return nil
	})
	account := b.page(srv.base + "/account")
	b.post(srv.base+"/account/grants/"+agent.ID+"/revoke", url.Values{"csrf_token": {csrfOf(t, account)}})
	if r := srv.postJSON("/v1/actions/echo/echo", bearer, `{"message":"as alice"}`); r.status != http.StatusUnauthorized {
		t.Fatalf("call after withdrawal: %d, want 401", r.status)
	}
}

// browserless is an HTTP client with a cookie jar that never follows
// redirects, standing in for a person's browser on the HTML forms.
type browserless struct {
	t  *testing.T
	hc *http.Client
}

func newBrowserless(t *testing.T) *browserless {
	jar, _ := cookiejar.New(nil)
	return &browserless{t: t, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get returns the Location of a redirect, or the page.
func (b *browserless) get(u string) string {
	b.t.Helper()
	res, err := b.hc.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if loc := res.Header.Get("Location"); loc != "" {
		return loc
	}
	return string(body)
}

func (b *browserless) page(u string) string {
	b.t.Helper()
	res, err := b.hc.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d %s", u, res.StatusCode, body)
	}
	return string(body)
}

// post submits a form and returns the redirect's Location.
func (b *browserless) post(u string, form url.Values) string {
	b.t.Helper()
	res, err := b.hc.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %d %s", u, res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

func csrfOf(t *testing.T, page string) string { return hidden(t, page, "csrf_token") }

// hidden returns the value of the hidden input called name.
func hidden(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in:\n%s", name, page)
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(s)
}
