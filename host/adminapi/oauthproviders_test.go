package adminapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth/authstore"
)

func TestOAuthProviders(t *testing.T) {
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword})
	e := &env{t: t, srv: s.Auth, url: s.URL, hc: s.Client}
	if err := e.srv.Users().Create(t.Context(), "viewer", "viewer password", authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	const secret = "very-secret-client-secret"
	r := e.call("POST", "/oauth-providers", admin, `{"name":"google","client_id":"cid","client_secret":"`+secret+`","scopes":["openid"]}`)
	if r.status != 201 || r.body["auth_url"] != "https://accounts.google.com/o/oauth2/v2/auth" || r.body["has_client_secret"] != true || r.body["preset"] != "google" {
		t.Fatalf("create = %d %s", r.status, r.raw)
	}
	if !strings.HasSuffix(r.body["callback_url"].(string), "/account/connections/google/callback") {
		t.Fatalf("callback_url = %v", r.body["callback_url"])
	}
	if r := e.call("POST", "/oauth-providers", admin, `{"name":"google","client_id":"x"}`); r.status != 409 {
		t.Fatalf("second create = %d %s", r.status, r.raw)
	}
	// Changing a provider without its secret keeps the secret.
	r = e.call("PUT", "/oauth-providers/google", admin, `{"client_id":"cid2"}`)
	if r.status != 200 || r.body["client_id"] != "cid2" || r.body["has_client_secret"] != true {
		t.Fatalf("put = %d %s", r.status, r.raw)
	}
	p, err := s.Runtime.Accounts().Store().Provider(t.Context(), "google")
	if err != nil || p.ClientSecret != secret {
		t.Fatalf("stored secret lost: %v", err)
	}
	viewer := basic("viewer", "viewer password")
	for _, c := range []struct{ method, path string }{{"GET", "/oauth-providers"}, {"GET", "/oauth-providers/google"}} {
		r := e.call(c.method, c.path, viewer, "")
		if r.status != 200 || strings.Contains(r.raw, secret) || strings.Contains(r.raw, `"client_secret"`) {
			t.Fatalf("%s %s = %d %s", c.method, c.path, r.status, r.raw)
		}
	}
	if r := e.call("PUT", "/oauth-providers/google", viewer, `{"client_id":"x"}`); r.status != 403 {
		t.Fatalf("viewer put = %d", r.status)
	}
	bad := []struct{ name, body, want string }{
		{"generic without urls", `{"client_id":"c"}`, "auth_url"},
		{"http token url", `{"client_id":"c","auth_url":"https://idp.test/a","token_url":"http://idp.test/t"}`, "token_url"},
		{"no client id", `{"preset":"github"}`, "client_id"},
		{"unknown field", `{"client_id":"c","password":"x"}`, "JSON"},
		{"name mismatch", `{"name":"other","client_id":"c","preset":"github"}`, "name"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := e.call("PUT", "/oauth-providers/corp", admin, c.body)
			if r.status != 400 || !strings.Contains(r.body["detail"].(string), c.want) {
				t.Fatalf("= %d %s, want 400 naming %s", r.status, r.raw, c.want)
			}
		})
	}
	if r := e.call("PUT", "/oauth-providers/Bad!", admin, `{"client_id":"c","preset":"github"}`); r.status != 400 {
		t.Fatalf("bad name = %d %s", r.status, r.raw)
	}
	if r := e.call("DELETE", "/oauth-providers/google", admin, ""); r.status != 204 {
		t.Fatalf("delete = %d", r.status)
	}
	if r := e.call("GET", "/oauth-providers/google", admin, ""); r.status != 404 {
		t.Fatalf("get deleted = %d", r.status)
	}
	if r := e.call("DELETE", "/oauth-providers/google", admin, ""); r.status != 404 {
		t.Fatalf("delete again = %d", r.status)
	}
}

func TestOAuthProviderChangesAreAudited(t *testing.T) {
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword})
	e := &env{t: t, srv: s.Auth, url: s.URL, hc: s.Client}
	const secret = "audited-client-secret"
	if r := e.call("PUT", "/oauth-providers/github", admin, `{"client_id":"c","client_secret":"`+secret+`"}`); r.status != 200 {
		t.Fatalf("put = %d %s", r.status, r.raw)
	}
	page, err := s.Runtime.Audit().List(t.Context(), audit.Filter{Kind: audit.KindAdmin})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, en := range page.Entries {
		raw, _ := json.Marshal(en)
		if strings.Contains(string(raw), secret) {
			t.Fatalf("the client secret is in the audit log: %s", raw)
		}
		found = found || en.Action == "oauth_provider.put" && en.Detail == "name=github"
	}
	if !found {
		t.Fatalf("no oauth_provider.put entry in %+v", page.Entries)
	}
}
