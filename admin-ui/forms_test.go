package adminui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/registry"
)

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	admin := f.signIn(auth.AdminUser, adminPassword)
	other := f.signIn(auth.AdminUser, adminPassword)
	tests := []struct {
		name       string
		token      []string
		wantStatus int
	}{
		{"no token", nil, http.StatusForbidden},
		{"empty token", []string{""}, http.StatusForbidden},
		{"wrong token", []string{flipLast(admin.csrf)}, http.StatusForbidden},
		{"another session's token", []string{other.csrf}, http.StatusForbidden},
		{"the session's token", []string{admin.csrf}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"name": {"agent " + tt.name}, "scope": {auth.ScopeIntrospect}}
			if tt.token != nil {
				form[csrfField] = tt.token
			}
			res := f.post("/admin/clients", form, admin.cookie)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("got %d, want %d", res.StatusCode, tt.wantStatus)
			}
			created := clientNamed(t, f, "agent "+tt.name)
			if created != (tt.wantStatus == http.StatusSeeOther) {
				t.Fatalf("client created = %v after a %d", created, res.StatusCode)
			}
		})
	}
}

func clientNamed(t *testing.T, f *fixture, name string) bool {
	t.Helper()
	all, err := f.auth.Clients().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(all, func(c auth.Client) bool { return c.Name == name })
}

func TestCrossOriginFormIsRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	admin := f.signIn(auth.AdminUser, adminPassword)
	req, _ := http.NewRequest(http.MethodPost, f.url+"/admin/clients",
		strings.NewReader(url.Values{"name": {"x"}, "scope": {"introspect"}, csrfField: {admin.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := f.do(req, []*http.Cookie{admin.cookie}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d, want 403", res.StatusCode)
	}
}

func TestViewerCannotChangeAnything(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	v := f.submit(issuesManifest(t), fakeWasm)
	admin := f.signIn(auth.AdminUser, adminPassword)
	if res := admin.post("/admin/clients", url.Values{"name": {"agent"}, "scope": {"introspect"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create client: %d", res.StatusCode)
	}
	clients, _ := f.auth.Clients().List(t.Context())
	id := clients[0].ID
	viewer := f.signIn(viewerName, viewerPassword)

	review := viewer.get("/admin/plugins/issues/versions/" + v.Version)
	if review.StatusCode != http.StatusOK || strings.Contains(review.body, "approve-form") || !strings.Contains(review.body, "read-only") {
		t.Fatalf("viewer's review page: %d, shows the decision forms: %v", review.StatusCode, strings.Contains(review.body, "approve-form"))
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/plugins/issues/versions/" + v.Version + "/approve", url.Values{}},
		{"/admin/plugins/issues/versions/" + v.Version + "/reject", url.Values{"reason": {"no"}}},
		{"/admin/plugins/issues/disable", url.Values{}},
		{"/admin/clients", url.Values{"name": {"x"}, "scope": {"introspect"}}},
		{"/admin/clients/" + id + "/disable", url.Values{}},
		{"/admin/clients/" + id + "/rotate-secret", url.Values{}},
		{"/admin/clients/" + id + "/delete", url.Values{"confirm": {"yes"}}},
		{"/admin/secrets", url.Values{"plugin": {"issues"}, "name": {"token"}, "value": {"v"}}},
		{"/admin/users", url.Values{"name": {"eve"}, "password": {"long enough password"}, "role": {"admin"}}},
	}
	for _, p := range posts {
		t.Run(p.path, func(t *testing.T) {
			if res := viewer.post(p.path, p.form); res.StatusCode != http.StatusForbidden {
				t.Fatalf("viewer post: %d, want 403", res.StatusCode)
			}
		})
	}
	got, err := f.registry.Version(t.Context(), "issues", v.Version)
	if err != nil || got.Status != registry.StatusPending {
		t.Fatalf("after the viewer's attempts: %v %v", got.Status, err)
	}
	if c, _ := f.auth.Clients().Get(t.Context(), id); c.Status != "active" {
		t.Fatalf("client status %q", c.Status)
	}
	page, _ := f.rt.Audit().List(t.Context(), audit.Filter{Action: "admin.denied", Subject: viewerName})
	if len(page.Entries) != len(posts) || page.Entries[0].Outcome != outcomeForbidden {
		t.Fatalf("audit has %d denied entries, want %d", len(page.Entries), len(posts))
	}
}

func TestClientSecretIsShownOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	admin := f.signIn(auth.AdminUser, adminPassword)
	res := admin.post("/admin/clients", url.Values{"name": {"agent"}, "scope": {"introspect"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/clients/") {
		t.Fatalf("create: %d %q", res.StatusCode, loc)
	}
	first := admin.get(loc)
	if !strings.Contains(first.body, `id="new-client-secret"`) || !strings.Contains(first.body, "saa_cs_") {
		t.Fatal("the page after creation does not show the secret")
	}
	if first.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q on the page with the secret", first.Header.Get("Cache-Control"))
	}
	if again := admin.get(loc); strings.Contains(again.body, "saa_cs_") {
		t.Fatal("the secret is shown a second time")
	}
}

func TestSecretValuesAreWriteOnly(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.submit(issuesManifest(t), fakeWasm)
	admin := f.signIn(auth.AdminUser, adminPassword)
	const value = "ghp_do_not_show_this_anywhere"
	res := admin.post("/admin/secrets", url.Values{"plugin": {"issues"}, "name": {"token"}, "value": {value}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("put: %d", res.StatusCode)
	}
	page := admin.get("/admin/secrets")
	if strings.Contains(page.body, value) || !strings.Contains(page.body, "Stored the value of issues/token") {
		t.Fatal("the secrets page shows the value, or not the confirmation")
	}
	got, err := f.rt.Secrets().Get(t.Context(), "issues", "token")
	if err != nil || got != value {
		t.Fatalf("stored %q, %v", got, err)
	}
	undeclared := admin.post("/admin/secrets", url.Values{"plugin": {"issues"}, "name": {"other"}, "value": {value}})
	if next := admin.get(undeclared.Header.Get("Location")); !strings.Contains(next.body, "No plugin declares that secret") {
		t.Fatal("an undeclared secret was accepted")
	}
	entries, _ := f.rt.Audit().List(t.Context(), audit.Filter{Action: "secret.put"})
	if len(entries.Entries) != 1 || entries.Entries[0].Subject != auth.AdminUser || strings.Contains(entries.Entries[0].Detail, value) {
		t.Fatalf("audit entries %+v", entries.Entries)
	}
}

func TestAdminChangesAreAudited(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	v := f.submit(issuesManifest(t), fakeWasm)
	admin := f.signIn(auth.AdminUser, adminPassword)
	admin.post("/admin/clients", url.Values{"name": {"agent"}, "scope": {"introspect"}})
	clients, _ := f.auth.Clients().List(t.Context())
	id := clients[0].ID
	steps := []struct{ path, action string }{
		{"/admin/clients/" + id + "/scopes", "client.scopes"},
		{"/admin/clients/" + id + "/disable", "client.disable"},
		{"/admin/clients/" + id + "/enable", "client.enable"},
		{"/admin/clients/" + id + "/rotate-secret", "client.rotate_secret"},
		{"/admin/plugins/issues/versions/" + v.Version + "/reject", "plugin.reject"},
		{"/admin/users", "user.create"},
		{"/admin/clients/" + id + "/delete", "client.delete"},
	}
	forms := map[string]url.Values{
		"client.scopes": {"scope": {"introspect", "admin"}},
		"plugin.reject": {"reason": {"asks for too much"}},
		"user.create":   {"name": {"olga"}, "password": {"a long enough password"}, "role": {"viewer"}},
		"client.delete": {"confirm": {"yes"}},
	}
	for _, s := range steps {
		t.Run(s.action, func(t *testing.T) {
			form := forms[s.action]
			if form == nil {
				form = url.Values{}
			}
			if res := admin.post(s.path, form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("post: %d %s", res.StatusCode, res.body)
			}
			page, err := f.rt.Audit().List(t.Context(), audit.Filter{Kind: audit.KindAdmin, Action: s.action, Subject: auth.AdminUser})
			if err != nil || len(page.Entries) != 1 || page.Entries[0].Outcome != audit.OutcomeOK {
				t.Fatalf("audit entries for %s: %+v %v", s.action, page.Entries, err)
			}
		})
	}
}

func TestAPIPathsAreNotTheUIs(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, p := range []string{"/admin/api", "/admin/api/v1/clients"} {
		rec := httptest.NewRecorder()
		f.ui.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "<html") {
			t.Fatalf("%s: %d", p, rec.Code)
		}
	}
}

// flipLast returns token with its last character changed, so it is a wrong
// token whatever character the real one ends with.
func flipLast(token string) string {
	last := "A"
	if strings.HasSuffix(token, "A") {
		last = "B"
	}
	return token[:len(token)-1] + last
}
