package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
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

// accountsRig runs the github plugin against a fake GitHub API that lists one
// issue titled with the user its bearer token belongs to, and echoes the
// Authorization header it got in the URL.
func accountsRig(t *testing.T) (*host.Runtime, *accountstest.FakeProvider, *[]string) {
	t.Helper()
	f := accountstest.NewFakeProvider(t)
	var bearers []string
	api := http.NewServeMux()
	api.HandleFunc("GET /repos/acme/widgets/issues", func(w http.ResponseWriter, r *http.Request) {
		bearers = append(bearers, r.Header.Get("Authorization"))
		user, ok := f.UserOfRequest(r)
		if !ok {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode([]map[string]any{{"number": 1, "title": user, "state": "open",
			"html_url": "https://github.com/acme/widgets/issues/1?echo=" + r.Header.Get("Authorization")}})
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	local := "http://api.test:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	p := plugintest.FirstParty("github")
	p.Replace = map[string]string{"https://api.github.com": local, `    format: "Bearer {{value}}"`: perUserGitHub}
	rt := newRuntimeWith(t, func(c *host.Config) {
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Resolver = mapResolver{"api.test": netip.MustParseAddr("127.0.0.1")}
		c.PluginConfig = map[string]map[string]string{"github": {"base_url": local}}
		c.PublicURL = "https://saa.test"
	}, p)
	if _, err := rt.Accounts().SetProvider(context.Background(), f.Provider("github")); err != nil {
		t.Fatal(err)
	}
	return rt, f, &bearers
}

func listAs(rt *host.Runtime, client, subject string) (string, error) {
	p := host.Principal{ClientID: client, Subject: subject, Scopes: []string{"github:issues.read"}}
	out, err := rt.Invoke(context.Background(), p, "github", "list_issues", []byte(`{"owner":"acme","repo":"widgets"}`))
	return string(out), err
}

func TestPerUserSecretNotConnected(t *testing.T) {
	rt, _, bearers := accountsRig(t)
	_, err := listAs(rt, "agent-1", "alice")
	var ae *host.AccountError
	if !errors.As(err, &ae) || !errors.Is(err, host.ErrAccountNotConnected) {
		t.Fatalf("err = %v, want *host.AccountError", err)
	}
	if ae.Provider != "github" || ae.Secret != "token" || ae.ConnectURL != "https://saa.test/account/connections/github/connect" || ae.Reconnect {
		t.Fatalf("AccountError = %+v", ae)
	}
	if len(*bearers) != 0 {
		t.Fatalf("the API was called without an account: %q", *bearers)
	}
	if host.Outcome(err) != "account-not-connected" {
		t.Fatalf("outcome = %s", host.Outcome(err))
	}
}

// TestConnectedAccountIsTheSubjectsOnly: user A's account never drives a
// call made for user B, whichever client makes it, and each user's token
// reaches the API only as their own.
func TestConnectedAccountIsTheSubjectsOnly(t *testing.T) {
	rt, f, bearers := accountsRig(t)
	f.Connect(t, rt.Accounts(), "alice", "github", "alice-gh")

	out, err := listAs(rt, "agent-1", "alice")
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
		if _, err := listAs(rt, c.client, c.subject); !errors.Is(err, host.ErrAccountNotConnected) {
			t.Fatalf("client %q for %q: err = %v, want account-not-connected", c.client, c.subject, err)
		}
	}
	f.Connect(t, rt.Accounts(), "bob", "github", "bob-gh")
	for i := 0; i < 2; i++ { // interleaved, same client: pooled instances never mix users
		for _, u := range []string{"alice", "bob"} {
			out, err := listAs(rt, "agent-1", u)
			if err != nil || !strings.Contains(out, `"title":"`+u+`-gh"`) {
				t.Fatalf("%s's call = %s, %v", u, out, err)
			}
		}
	}
	for _, b := range *bearers {
		if !strings.HasPrefix(b, "Bearer at-") {
			t.Fatalf("the API got Authorization %q", b)
		}
	}
	var page audit.Page
	checkFor(t, func() error {
		var err error
		page, err = rt.Audit().List(context.Background(), audit.Filter{Client: "agent-1"})
		if err == nil && len(page.Entries) < 7 {
			err = errors.New("entries not written yet")
		}
		return err
	})
	first := page.Entries[0]
	if first.Subject != "alice" || strings.Join(first.Accounts, ",") != "token:github" || strings.Join(first.Secrets, ",") != "token" {
		t.Fatalf("first entry = %+v", first)
	}
	raw, _ := json.Marshal(page.Entries)
	if strings.Contains(string(raw), "at-") {
		t.Fatal("a token is in the audit log")
	}
	if report, err := rt.Audit().Verify(context.Background()); err != nil || report.Err() != nil {
		t.Fatalf("verify: %v %v", err, report.Err())
	}
}

func TestPerUserSecretReconnectNeeded(t *testing.T) {
	rt, f, _ := accountsRig(t)
	f.FirstLife = 0 // no expiry given: a token lasts until refused
	f.Connect(t, rt.Accounts(), "alice", "github", "alice-gh")
	a, _ := rt.Accounts().Store().Account(context.Background(), "alice", "github")
	a.Expiry = a.UpdatedAt // expired: the next call refreshes
	_ = rt.Accounts().Store().PutAccount(context.Background(), a)
	f.RevokeAll()
	_, err := listAs(rt, "agent-1", "alice")
	var ae *host.AccountError
	if !errors.As(err, &ae) || !ae.Reconnect {
		t.Fatalf("err = %v, want a reconnect AccountError", err)
	}
}

func TestPerUserSecretProviderDown(t *testing.T) {
	rt, f, bearers := accountsRig(t)
	f.Connect(t, rt.Accounts(), "alice", "github", "alice-gh")
	a, _ := rt.Accounts().Store().Account(context.Background(), "alice", "github")
	a.Expiry = a.UpdatedAt // expired: the next call refreshes
	_ = rt.Accounts().Store().PutAccount(context.Background(), a)
	f.FailToken.Store(true)
	_, err := listAs(rt, "agent-1", "alice")
	if err == nil || errors.Is(err, host.ErrAccountNotConnected) || !errors.Is(err, host.ErrPluginFailed) {
		t.Fatalf("err = %v, want plugin-failed, not account-not-connected", err)
	}
	if len(*bearers) != 0 {
		t.Fatalf("the API was called: %q", *bearers)
	}
	f.FailToken.Store(false)
	if out, err := listAs(rt, "agent-1", "alice"); err != nil || !strings.Contains(out, "alice-gh") {
		t.Fatalf("after the provider recovered: %s, %v", out, err)
	}
}
