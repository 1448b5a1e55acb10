package adminui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tests := []struct {
		path      string
		wantCache string
	}{
		{"/admin/signin", "no-store"},
		{"/admin/clients", "no-store"},
		{"/admin/nowhere", "no-store"},
		{"/admin/static/admin.css", "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			h := f.get(tt.path).Header
			want := map[string]string{
				"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
				"X-Frame-Options":         "DENY",
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           tt.wantCache,
			}
			for k, v := range want {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}

func TestPagesRender(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	v := f.submit(issuesManifest(t), fakeWasm)
	if err := f.registry.SetOwners(t.Context(), "acme", []string{"acme-ci-client"}, "admin"); err != nil {
		t.Fatal(err)
	}
	admin := f.signIn(auth.AdminUser, adminPassword)
	admin.post("/admin/clients", url.Values{"name": {"agent"}, "scope": {"introspect"}})
	clients, _ := f.auth.Clients().List(t.Context())
	pages := []struct {
		path, want string
	}{
		{"/admin", "Calls in the last hour"},
		{"/admin/plugins", "Waiting for review"},
		{"/admin/plugins/issues", "Versions"},
		{"/admin/plugins/issues", "<code>acme-ci-client</code>"},
		{"/admin/plugins/issues/versions/" + v.Version, "Secrets and where each is sent"},
		{"/admin/clients", "agent"},
		{"/admin/clients/new", "What it may call"},
		{"/admin/clients/" + clients[0].ID, "introspect"},
		{"/admin/secrets", "issues/token"},
		{"/admin/audit", "client.create"},
		{"/admin/audit?kind=admin&since=2020-01-01T00:00", "client.create"},
		{"/admin/audit/verify", "The chain is intact"},
		{"/admin/users", "Add a user"},
	}
	for _, who := range []struct {
		name string
		s    *signedIn
	}{{"admin", admin}, {"viewer", f.signIn(viewerName, viewerPassword)}} {
		for _, p := range pages {
			t.Run(who.name+" "+p.path, func(t *testing.T) {
				res := who.s.get(p.path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d", res.StatusCode)
				}
				if who.name == "admin" && !strings.Contains(res.body, p.want) {
					t.Fatalf("page lacks %q", p.want)
				}
				if who.name == "viewer" && strings.Contains(res.body, `method="post" action="/admin/`) &&
					strings.Count(res.body, `method="post"`) != 1 { // only sign-out
					t.Fatal("a viewer's page offers a form that changes something")
				}
			})
		}
	}
}

func TestErrorPages(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	admin := f.signIn(auth.AdminUser, adminPassword)
	tests := []struct {
		path       string
		wantStatus int
	}{
		{"/admin/nowhere", http.StatusNotFound},
		{"/admin/plugins/nothing", http.StatusNotFound},
		{"/admin/plugins/nothing/versions/1.0.0", http.StatusNotFound},
		{"/admin/clients/nothing", http.StatusNotFound},
		{"/admin/audit?since=yesterday", http.StatusBadRequest},
		{"/admin/audit?kind=other", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if res := admin.get(tt.path); res.StatusCode != tt.wantStatus {
				t.Fatalf("got %d, want %d", res.StatusCode, tt.wantStatus)
			}
		})
	}
}
