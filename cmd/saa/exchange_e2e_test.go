package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
)

// TestE2ETokenExchange runs the README's delegation example on the real
// binary: a sub-agent exchanges the agent's token for a narrower one,
// calls with it, the audit log names the chain, and revoking the agent's
// token kills the sub-agent's at once.
func TestE2ETokenExchange(t *testing.T) {
	srv := startServe(t, freePort(t), t.TempDir())
	admin := "Basic admin:" + srv.adminPassword()
	agentID, agentSecret := srv.newClient(admin, "echo:call")
	subID, subSecret := srv.newClient(admin, "echo:call")
	parent := srv.token(agentID, agentSecret, "echo:call")

	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {strings.TrimPrefix(parent, "Bearer ")}, "scope": {"echo:call"},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}}
	var got struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
		Scope           string `json:"scope"`
	}
	srv.decode(srv.request(http.MethodPost, "/oauth2/token", "Basic "+subID+":"+subSecret, strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded"), http.StatusOK, &got)
	if got.IssuedTokenType != "urn:ietf:params:oauth:token-type:access_token" || got.Scope != "echo:call" {
		t.Fatalf("exchange answer %+v", got)
	}
	child := "Bearer " + got.AccessToken
	if r := srv.postJSON("/v1/actions/echo/echo", child, `{"message":"hi"}`); r.status != 200 {
		t.Fatalf("call with the child token: %d %s", r.status, r.body)
	}

	var page struct {
		Entries []audit.Entry `json:"entries"`
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		srv.decode(srv.request(http.MethodGet, "/admin/api/v1/audit?client_id="+subID, admin, nil), 200, &page)
		if len(page.Entries) == 0 {
			return fmt.Errorf("the sub-agent's call is not in the audit log yet")
		}
		return nil
	})
	if e := page.Entries[0]; !slices.Equal(e.Delegation, []string{agentID, subID}) || e.Subject != agentID {
		t.Fatalf("audit entry %+v, want delegation %s → %s", e, agentID, subID)
	}

	revoke := url.Values{"token": {strings.TrimPrefix(parent, "Bearer ")}}
	if r := srv.request(http.MethodPost, "/oauth2/revoke", "Basic "+agentID+":"+agentSecret, strings.NewReader(revoke.Encode()),
		"Content-Type", "application/x-www-form-urlencoded"); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := srv.postJSON("/v1/actions/echo/echo", child, `{"message":"hi"}`); r.status != http.StatusUnauthorized {
		t.Fatalf("the child of a revoked token still calls: %d %s", r.status, r.body)
	}
}
