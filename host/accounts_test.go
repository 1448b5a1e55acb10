package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/accounts/accountstest"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/plugintest"
)

// perUserGitHub is the github plugin with its token made a per-user secret:
// each user's own GitHub account, connected at the provider "github".
const perUserGitHub = `    format: "Bearer {{value}}"
    per_user: true
    oauth: { provider: github, scopes: [repo] }`

// accountsRig is one runtime (the plugin compiled once) running the github
// plugin against a fake GitHub API that lists one issue titled with the
// provider user its bearer token belongs to, and echoes the Authorization
// header it got in the URL. Each case uses its own subjects.
type accountsRig struct {
	rt *host.Runtime
	f  *accountstest.FakeProvider

	mu      sync.Mutex
	bearers []string
}

func newAccountsRig(t *testing.T) *accountsRig {
	t.Helper()
	r := &accountsRig{f: accountstest.NewFakeProvider(t)}
	api := http.NewServeMux()
	api.HandleFunc("GET /repos/acme/widgets/issues", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.bearers = append(r.bearers, req.Header.Get("Authorization"))
		r.mu.Unlock()
		user, ok := r.f.UserOfRequest(req)
		if !ok {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode([]map[string]any{{"number": 1, "title": user, "state": "open",
			"html_url": "https://github.com/acme/widgets/issues/1?echo=" + req.Header.Get("Authorization")}})
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	local := "http://api.test:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	p := plugintest.FirstParty("github")
	p.Replace = map[string]string{"https://api.github.com": local, `    format: "Bearer {{value}}"`: perUserGitHub}
	r.rt = newRuntimeWith(t, func(c *host.Config) {
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Resolver = mapResolver{"api.test": netip.MustParseAddr("127.0.0.1")}
		c.PluginConfig = map[string]map[string]string{"github": {"base_url": local}}
		c.PublicURL = "https://saa.test"
	}, p)
	if _, err := r.rt.Accounts().SetProvider(context.Background(), r.f.Provider("github")); err != nil {
		t.Fatal(err)
	}
	return r
}

// sent returns the Authorization headers the API got since mark.
func (r *accountsRig) sent(mark int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bearers[mark:]...)
}

func (r *accountsRig) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bearers)
}

func (r *accountsRig) listAs(client, subject string) (string, error) {
	p := host.Principal{ClientID: client, Subject: subject, Scopes: []string{"github:issues.read"}}
	out, err := r.rt.Invoke(context.Background(), p, "github", "list_issues", []byte(`{"owner":"acme","repo":"widgets"}`))
	return string(out), err
}

// expire makes subject's token due for a refresh on the next call.
func (r *accountsRig) expire(t *testing.T, subject string) {
	t.Helper()
	a, err := r.rt.Accounts().Store().Account(context.Background(), subject, "github")
	if err != nil {
		t.Fatal(err)
	}
	a.Expiry = a.UpdatedAt
	if err := r.rt.Accounts().Store().PutAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func TestConnectedAccounts(t *testing.T) {
	r := newAccountsRig(t)
	t.Run("not connected", func(t *testing.T) { testNotConnected(t, r) })
	t.Run("the subject's account only", func(t *testing.T) { testSubjectsOnly(t, r) })
	t.Run("revoked refresh token", func(t *testing.T) { testReconnectNeeded(t, r) })
	t.Run("provider down", func(t *testing.T) { testProviderDown(t, r) })
}

func testNotConnected(t *testing.T, r *accountsRig) {
	mark := r.mark()
	_, err := r.listAs("agent-1", "carol")
	var ae *host.AccountError
	if !errors.As(err, &ae) || !errors.Is(err, host.ErrAccountNotConnected) {
		t.Fatalf("err = %v, want *host.AccountError", err)
	}
	if ae.Provider != "github" || ae.Secret != "token" || ae.ConnectURL != "https://saa.test/account/connections/github/connect" || ae.Reconnect {
		t.Fatalf("AccountError = %+v", ae)
	}
	if got := r.sent(mark); len(got) != 0 {
		t.Fatalf("the API was called without an account: %q", got)
	}
	if host.Outcome(err) != "account-not-connected" {
		t.Fatalf("outcome = %s", host.Outcome(err))
	}
}

// testSubjectsOnly: user A's account never drives a call made for user B,
// whichever client makes it, and each user's token reaches the API only as
// their own.
func testSubjectsOnly(t *testing.T, r *accountsRig) {
	r.f.Connect(t, r.rt.Accounts(), "alice", "github", "alice-gh")
	mark := r.mark()
	out, err := r.listAs("agent-1", "alice")
	if err != nil || !strings.Contains(out, `"title":"alice-gh"`) {
		t.Fatalf("alice's call = %s, %v", out, err)
	}
	if strings.Contains(out, "at-alice") || !strings.Contains(out, "echo=Bearer "+egress.Redacted) {
		t.Fatalf("the token's echo was not scrubbed: %s", out)
	}
	for _, c := range []struct{ client, subject string }{
		{"agent-1", "bob"},   // the same agent that just acted for alice
		{"alice", "bob"},     // a client named like her
		{"agent-2", ""},      // no subject at all
		{"agent-1", "Alice"}, // subjects are exact
	} {
		if _, err := r.listAs(c.client, c.subject); !errors.Is(err, host.ErrAccountNotConnected) {
			t.Fatalf("client %q for %q: err = %v, want account-not-connected", c.client, c.subject, err)
		}
	}
	r.f.Connect(t, r.rt.Accounts(), "bob", "github", "bob-gh")
	for range 2 { // interleaved, same client: pooled instances never mix users
		for _, u := range []string{"alice", "bob"} {
			out, err := r.listAs("agent-1", u)
			if err != nil || !strings.Contains(out, `"title":"`+u+`-gh"`) {
				t.Fatalf("%s's call = %s, %v", u, out, err)
			}
		}
	}
	for _, b := range r.sent(mark) {
		if !strings.HasPrefix(b, "Bearer at-") {
			t.Fatalf("the API got Authorization %q", b)
		}
	}
	var entries []audit.Entry
	checkFor(t, func() error {
		page, err := r.rt.Audit().List(context.Background(), audit.Filter{Client: "agent-1"})
		entries = nil
		for _, e := range page.Entries {
			if e.Subject == "alice" || e.Subject == "bob" {
				entries = append(entries, e)
			}
		}
		if err == nil && len(entries) < 6 {
			err = errors.New("entries not written yet")
		}
		return err
	})
	first := entries[0]
	if first.Subject != "alice" || strings.Join(first.Accounts, ",") != "token:github" || strings.Join(first.Secrets, ",") != "token" {
		t.Fatalf("first entry = %+v", first)
	}
	raw, _ := json.Marshal(entries)
	if strings.Contains(string(raw), "at-") {
		t.Fatal("a token is in the audit log")
	}
	if report, err := r.rt.Audit().Verify(context.Background()); err != nil || report.Err() != nil {
		t.Fatalf("verify: %v %v", err, report.Err())
	}
}

func testReconnectNeeded(t *testing.T, r *accountsRig) {
	r.f.Connect(t, r.rt.Accounts(), "dave", "github", "dave-gh")
	r.expire(t, "dave")
	r.f.Revoke("dave-gh")
	_, err := r.listAs("agent-1", "dave")
	var ae *host.AccountError
	if !errors.As(err, &ae) || !ae.Reconnect {
		t.Fatalf("err = %v, want a reconnect AccountError", err)
	}
}

// testProviderDown: a provider that fails the refresh fails the call
// (plugin-failed, not account-not-connected) and keeps the account.
func testProviderDown(t *testing.T, r *accountsRig) {
	r.f.Connect(t, r.rt.Accounts(), "erin", "github", "erin-gh")
	r.expire(t, "erin")
	r.f.FailToken.Store(true)
	mark := r.mark()
	_, err := r.listAs("agent-1", "erin")
	r.f.FailToken.Store(false)
	if err == nil || errors.Is(err, host.ErrAccountNotConnected) || !errors.Is(err, host.ErrPluginFailed) {
		t.Fatalf("err = %v, want plugin-failed, not account-not-connected", err)
	}
	if got := r.sent(mark); len(got) != 0 {
		t.Fatalf("the API was called: %q", got)
	}
	if out, err := r.listAs("agent-1", "erin"); err != nil || !strings.Contains(out, "erin-gh") {
		t.Fatalf("after the provider recovered: %s, %v", out, err)
	}
}
