package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/accounts/accountstest"
	"github.com/secure-agent/saa/host/audit"
)

// TestE2EAccountNotConnected starts the real binary with the first-party
// mail plugin (a per-user Google secret): the admin configures the provider
// over the admin API, and a client's call answers 409 account-not-connected
// with the connect URL under SAA_PUBLIC_URL, before anything leaves for
// Gmail; the audit log records the outcome; the connect pages are served.
func TestE2EAccountNotConnected(t *testing.T) {
	addr := freePort(t)
	public := "http://" + addr
	srv := startServe(t, addr, t.TempDir(), "SAA_PUBLIC_URL="+public)
	admin := "Basic admin:" + srv.adminPassword()
	fp := accountstest.NewFakeProvider(t)

	body := fmt.Sprintf(`{"preset":"generic","client_id":%q,"client_secret":%q,"auth_url":%q,"token_url":%q}`,
		accountstest.FakeClientID, accountstest.FakeClientSecret, fp.URL+"/auth", fp.URL+"/token")
	r := srv.request(http.MethodPut, "/admin/api/v1/oauth-providers/google", admin, strings.NewReader(body), "Content-Type", "application/json")
	if r.status != 200 || strings.Contains(string(r.body), accountstest.FakeClientSecret) ||
		!strings.Contains(string(r.body), `"callback_url":"`+public+`/account/connections/google/callback"`) {
		t.Fatalf("put provider = %d %s", r.status, r.body)
	}

	id, secret := srv.newClient(admin, "mail:read")
	tok := srv.token(id, secret, "mail:read")
	r = srv.postJSON("/v1/actions/mail/list", tok, `{"max":1}`)
	var p map[string]any
	_ = json.Unmarshal(r.body, &p)
	if r.status != http.StatusConflict || r.kind() != "account-not-connected" ||
		p["connect_url"] != public+"/account/connections/google/connect" || p["provider"] != "google" || p["secret"] != "gmail" {
		t.Fatalf("call = %d %s", r.status, r.body)
	}

	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		var page struct {
			Entries []audit.Entry `json:"entries"`
		}
		srv.decode(srv.request(http.MethodGet, "/admin/api/v1/audit?client_id="+id, admin, nil), 200, &page)
		for _, e := range page.Entries {
			if e.Plugin == "mail" && e.Outcome == "account-not-connected" && len(e.Egress) == 0 {
				return nil
			}
		}
		return fmt.Errorf("no account-not-connected entry yet in %+v", page.Entries)
	})

	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(public + "/account/connections/google/connect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/signin") {
		t.Fatalf("connect page signed out = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
