package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
)

// TestBrowserConsent runs the authorization code flow as a person and an
// agent would: the agent (golang.org/x/oauth2, PKCE S256) sends headless
// Chromium to the authorization endpoint; the user signs in, reads the
// consent page and allows; the browser lands on the agent's loopback
// callback with the code, which the agent exchanges. The token acts for the
// user (audited with both), and once the user withdraws the grant on
// /account the token stops working.
func TestBrowserConsent(t *testing.T) {
	b := newBrowser(t)
	f, agent := codeFlowFixtureWith(t, "http://127.0.0.1/callback")
	b.url = f.url
	codes := make(chan string, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callback" && r.URL.Query().Get("state") == "browser-state-0123" {
			select {
			case codes <- r.URL.Query().Get("code"):
			default:
			}
		}
		fmt.Fprint(w, `<!doctype html><title>agent</title><p id="done">You can close this tab.</p>`)
	}))
	t.Cleanup(cb.Close)

	cfg := oauth2.Config{
		ClientID:    agent.ID,
		Endpoint:    oauth2.Endpoint{AuthURL: f.url + auth.AuthorizePath, TokenURL: f.url + auth.TokenPath, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: cb.URL + "/callback",
		Scopes:      []string{"echo:call"},
	}
	verifier := oauth2.GenerateVerifier()
	b.do(chromedp.Navigate(cfg.AuthCodeURL("browser-state-0123", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	b.do(chromedp.SendKeys(chromedp.CSS("#username"), userName), chromedp.SendKeys(chromedp.CSS("#password"), userPassword),
		chromedp.Submit(chromedp.CSS("#signin-form")), chromedp.WaitVisible(chromedp.CSS("#consent-form")))
	b.wantText("#consent-client", "Mail helper")
	b.wantText("#consent-form", "Return the input message unchanged")
	b.shot("consent")
	b.click("#consent-allow", "#done")

	var code string
	select {
	case code = <-codes:
	default:
		t.Fatal("the agent's callback got no code")
	}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{})
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if res := callEcho(f, tok.AccessToken); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "from the browser test") {
		t.Fatalf("call as the user: %d %s", res.StatusCode, res.body)
	}
	// Invocations are appended in batches: wait for it.
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		page, err := f.rt.Audit().List(t.Context(), audit.Filter{Kind: audit.KindInvoke, Plugin: "echo", Desc: true, Limit: 1})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Subject != userName || page.Entries[0].ClientID != agent.ID {
			return fmt.Errorf("audit entry %+v (%v), want subject %s and client %s", page.Entries, err, userName, agent.ID)
		}
		return nil
	})

	b.open(accountPath, "#grants")
	b.wantText("#grant-"+agent.ID, "Mail helper")
	b.wantText("#activity-table", "echo")
	b.shot("account")
	b.click("#revoke-"+agent.ID, "#no-grants")
	if res := callEcho(f, tok.AccessToken); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("call after the grant was withdrawn: %d, want 401", res.StatusCode)
	}
}

func callEcho(f *fixture, token string) response {
	req, _ := http.NewRequest(http.MethodPost, f.url+"/v1/actions/echo/echo", strings.NewReader(`{"message":"from the browser test"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return f.do(req, nil)
}
