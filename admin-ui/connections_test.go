package adminui

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/accounts/accountstest"
	"github.com/secure-agent/saa/host/auth"
)

// connectionsFixture serves the UI with connected accounts and a fake
// provider "github".
func connectionsFixture(t *testing.T) (*fixture, *accountstest.FakeProvider, *accounts.Service) {
	f := newFixture(t, fixtureOptions{accounts: true})
	svc := f.ui.cfg.Accounts.(*accounts.Service)
	fp := accountstest.NewFakeProvider(t)
	if _, err := svc.SetProvider(context.Background(), fp.Provider("github")); err != nil {
		t.Fatal(err)
	}
	return f, fp, svc
}

var continueLink = regexp.MustCompile(`<a id="continue" href="([^"]+)"`)

// startConnect begins connecting github in s's session and plays the user
// at the provider as extUser; it returns the callback path and query.
func startConnect(t *testing.T, s *signedIn, fp *accountstest.FakeProvider, extUser string) string {
	t.Helper()
	res := s.get("/account/connections/github/connect")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), fp.URL+"/auth?") {
		t.Fatalf("connect = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	q := fp.Authorize(t, res.Header.Get("Location"), extUser)
	redirect, _ := url.Parse(fp.LastAuth().Get("redirect_uri"))
	if redirect.String() != s.f.url+"/account/connections/github/callback" {
		t.Fatalf("redirect_uri = %s", redirect)
	}
	return redirect.Path + "?" + q.Encode()
}

// finish follows the callback page to its same-site continuation in s's
// session, as the browser does.
func finish(t *testing.T, s *signedIn, callback string) response {
	t.Helper()
	page := s.f.get(callback) // cross-site: no cookie comes with it
	m := continueLink.FindStringSubmatch(page.body)
	if page.StatusCode != http.StatusOK || m == nil || !strings.Contains(page.body, `http-equiv="refresh"`) {
		t.Fatalf("callback page = %d %s", page.StatusCode, page.body)
	}
	return s.get(html.UnescapeString(m[1]))
}

func TestConnectAccountThroughTheUI(t *testing.T) {
	f, fp, svc := connectionsFixture(t)
	vera := f.signIn(viewerName, viewerPassword)

	page := vera.get("/account/connections")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "not connected") || !strings.Contains(page.body, `href="/account/connections/github/connect"`) {
		t.Fatalf("page = %d %s", page.StatusCode, page.body)
	}
	if page.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(page.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("headers = %v", page.Header)
	}
	res := finish(t, vera, startConnect(t, vera, fp, "vera-gh"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/connections" {
		t.Fatalf("finish = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	page = vera.get("/account/connections")
	if !strings.Contains(page.body, "Connected your github account.") || !strings.Contains(page.body, "badge-ok") {
		t.Fatalf("page after connecting = %s", page.body)
	}
	tok, err := svc.Token(context.Background(), viewerName, "github")
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := fp.UserOf(tok); u != "vera-gh" || strings.Contains(page.body, tok) {
		t.Fatalf("token user %q, or token on the page", u)
	}

	t.Run("disconnect needs the CSRF token", func(t *testing.T) {
		if res := vera.post("/account/connections/github/disconnect", url.Values{csrfField: {"forged"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("forged = %d", res.StatusCode)
		}
		if _, err := svc.Token(context.Background(), viewerName, "github"); err != nil {
			t.Fatalf("account gone after a forged form: %v", err)
		}
		if res := vera.post("/account/connections/github/disconnect", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("disconnect = %d", res.StatusCode)
		}
		if _, err := svc.Token(context.Background(), viewerName, "github"); !errors.Is(err, accounts.ErrNotConnected) {
			t.Fatalf("after disconnect: %v", err)
		}
	})
}

// TestConnectIsBoundToTheSession: a callback for a connection one user
// started does not complete in another user's session (login CSRF: an
// attacker's account linked to the victim), and a state is single-use.
func TestConnectIsBoundToTheSession(t *testing.T) {
	f, fp, svc := connectionsFixture(t)
	admin := f.signIn(auth.AdminUser, adminPassword)
	vera := f.signIn(viewerName, viewerPassword)

	attackers := startConnect(t, admin, fp, "attacker-gh")
	res := finish(t, vera, attackers)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(vera.get("/account/connections").body, "was not started here by you") {
		t.Fatalf("cross-session finish = %d", res.StatusCode)
	}
	for _, who := range []string{viewerName, auth.AdminUser} {
		if _, err := svc.Token(context.Background(), who, "github"); !errors.Is(err, accounts.ErrNotConnected) {
			t.Fatalf("%s has an account: %v", who, err)
		}
	}
	own := startConnect(t, vera, fp, "vera-gh")
	finish(t, vera, own)
	finish(t, vera, own) // replayed
	if !strings.Contains(vera.get("/account/connections").body, "was not started here by you") {
		t.Fatal("a replayed callback was not refused")
	}

	t.Run("signed out", func(t *testing.T) {
		if res := f.get("/account/connections"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/signin") {
			t.Fatalf("= %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := f.get("/account/connections/github/finish?state=s&code=c"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("finish without session = %d", res.StatusCode)
		}
	})
	t.Run("malformed callback", func(t *testing.T) {
		for _, path := range []string{"/account/connections/github/callback?code=c", "/account/connections/Git%3Bhub/callback?code=c&state=s"} {
			if res := f.get(path); res.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s = %d", path, res.StatusCode)
			}
		}
	})
	t.Run("unknown provider", func(t *testing.T) {
		if res := vera.get("/account/connections/nope/connect"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("= %d", res.StatusCode)
		}
	})
}
