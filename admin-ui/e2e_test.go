package adminui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/registry"
)

// TestBrowser drives the UI in headless Chromium as an admin would: sign
// in, approve a pending plugin, create a client granted one action; then,
// outside the browser, that client's token calls the granted action and is
// refused another. A viewer cannot approve, and a form posted without its
// CSRF token is refused. The main pages are saved as screenshots.
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, fixtureOptions{localPlugins: plugintest.Install(t, plugintest.Testdata("counter"))})
	b.url = f.url
	echoDir := plugintest.Install(t, plugintest.FirstParty("echo"))
	echoManifest, echoWasm := readFile(t, echoDir, "echo.yaml"), []byte(readFile(t, echoDir, "echo.wasm"))
	f.submit(echoManifest, echoWasm)
	f.submit(issuesManifest(t), echoWasm) // asks for egress and a secret; stays pending

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"sign in", func(t *testing.T) { b.t = t; signInAsAdmin(b) }},
		{"approve a pending plugin", func(t *testing.T) { b.t = t; approveEcho(t, b, f) }},
		{"review a new version's diff", func(t *testing.T) { b.t = t; reviewNewVersion(t, b, f, echoManifest, echoWasm) }},
		{"create a client granted one action", func(t *testing.T) {
			b.t = t
			id, secret := createClient(b)
			callAsClient(t, f, id, secret)
		}},
		{"set a secret", func(t *testing.T) { b.t = t; setSecret(b) }},
		{"audit log", func(t *testing.T) { b.t = t; readAudit(b) }},
		{"a form without its CSRF token is refused", func(t *testing.T) { b.t = t; postWithoutCSRF(t, b, f) }},
		{"a viewer cannot approve", func(t *testing.T) { b.t = t; viewerCannotApprove(t, b, f) }},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func signInAsAdmin(b *browser) {
	b.open("/admin", "#signin-form")
	b.shot("signin")
	b.signIn(auth.AdminUser, adminPassword)
	b.wantText("main h1", "Dashboard")
	// The first Tab reaches the skip link, which shows and has a focus ring;
	// following it puts the focus on the main content.
	b.do(chromedp.KeyEvent("\t"))
	if got := b.eval(`document.activeElement.className + " " + getComputedStyle(document.activeElement).outlineStyle`); got != "skip-link solid" {
		b.t.Fatalf("first Tab focuses %q, want the skip link with a solid outline", got)
	}
	b.do(chromedp.KeyEvent("\r"))
	if got := b.eval(`document.activeElement.id`); got != "main" {
		b.t.Fatalf("the skip link moved the focus to %q", got)
	}
	b.shot("dashboard")
}

func approveEcho(t *testing.T, b *browser, f *fixture) {
	b.open("/admin/plugins", "#pending-table")
	b.shot("plugins")
	b.click(`a[href="/admin/plugins/echo/versions/1.0.0"]`, "#approve-form")
	b.wantText("#version-status", "pending")
	b.shot("review-echo")
	b.click("#approve-form button", "#versions-table")
	b.wantText(".flash-ok", "Approved echo 1.0.0")
	b.wantText("#plugin-state", "serving")
	b.shot("plugin-echo")
	b.open("/admin/plugins/issues/versions/1.0.0", "#approve-form")
	b.shot("review-issues")
	if f.ui.running("echo") == nil {
		t.Fatal("echo is approved but not running")
	}
}

func reviewNewVersion(t *testing.T, b *browser, f *fixture, manifest string, wasm []byte) {
	next := strings.Replace(manifest, "version: 1.0.0", "version: 1.1.0", 1)
	next = strings.Replace(next, "actions:", "egress:\n  - https://api.example.com\nactions:", 1)
	f.submit(next, wasm)
	b.open("/admin/plugins/echo/versions/1.1.0", "#diff-heading")
	b.wantText("ul.diff", "https://api.example.com")
	b.shot("review-diff")
}

// createClient creates a client granted echo.echo and returns what the page
// shows once.
func createClient(b *browser) (id, secret string) {
	b.open("/admin/clients", "#clients-table, #new-client")
	b.click("#new-client", "#client-form")
	b.do(chromedp.SendKeys(chromedp.CSS("#client-name"), "support agent"), chromedp.Click(chromedp.CSS(`input[value="echo.echo"]`)))
	b.shot("client-new")
	b.click("#client-form button[type=submit]", "#new-client-secret")
	id, secret = b.text("#new-client-id"), b.text("#new-client-secret")
	if id == "" || !strings.HasPrefix(secret, "saa_cs_") {
		b.t.Fatalf("client %q secret %q", id, secret)
	}
	b.shot("client-created")
	b.open("/admin/clients", "#clients-table")
	b.wantText("#clients-table", "echo.echo")
	b.shot("clients")
	return id, secret
}

// callAsClient gets a token for the client and calls echo.echo (granted)
// and counter.next (not granted), as an agent would.
func callAsClient(t *testing.T, f *fixture, id, secret string) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}}
	req, _ := http.NewRequest(http.MethodPost, f.url+auth.TokenPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res := f.do(req, nil)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %s", res.StatusCode, res.body)
	}
	tests := []struct {
		path, body string
		wantStatus int
		wantBody   string
	}{
		{"/v1/actions/echo/echo", `{"message":"hello from the admin ui test"}`, http.StatusOK, "hello from the admin ui test"},
		{"/v1/actions/counter/next", `{}`, http.StatusForbidden, "insufficient"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.url+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			res := f.do(req, nil)
			if res.StatusCode != tt.wantStatus || !strings.Contains(res.body, tt.wantBody) {
				t.Fatalf("got %d %s, want %d with %q", res.StatusCode, res.body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func setSecret(b *browser) {
	const value = "ghp_the_browser_typed_this"
	b.open("/admin/secrets", "#secrets-table")
	b.do(chromedp.SendKeys(chromedp.CSS(`input[id="value-issues-token"]`), value))
	b.click(`input[id="value-issues-token"] ~ button`, ".flash-ok")
	b.wantText(".flash-ok", "Stored the value of issues/token")
	if html := run(b, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, value) {
		b.t.Fatal("the secrets page shows the value")
	}
	b.shot("secrets")
}

func readAudit(b *browser) {
	b.open("/admin/audit?kind=admin", "#audit-table")
	b.wantText("#audit-table", "plugin.approve")
	b.wantText("#audit-table", "client.create")
	b.open("/admin/audit", "#audit-table")
	b.shot("audit")
	b.click("#verify-link", "#verify-result")
	b.wantText("#verify-result", "intact")
	b.shot("audit-verify")
	b.open("/admin/users", "#add-user-form")
	b.shot("users")
}

func postWithoutCSRF(t *testing.T, b *browser, f *fixture) {
	b.open("/admin/plugins/issues/versions/1.0.0", "#reject-form")
	b.eval(`document.querySelector("#reject-form input[name=csrf_token]").remove(); ""`)
	b.do(chromedp.SendKeys(chromedp.CSS("#reason"), "no token"))
	b.click("#reject-form button", "#error-detail")
	b.wantText("main h1", "Forbidden")
	b.shot("csrf-refused")
	if v, _ := f.registry.Version(t.Context(), "issues", "1.0.0"); v.Status != registry.StatusPending {
		t.Fatalf("the form without a token changed the version to %s", v.Status)
	}
}

func viewerCannotApprove(t *testing.T, b *browser, f *fixture) {
	b.click(".account button", "#signin-form")
	b.signIn(viewerName, viewerPassword)
	b.open("/admin/plugins/issues/versions/1.0.0", "#version-status")
	if got := b.eval(`String(document.querySelector("#approve-form, #reject-form") === null)`); got != "true" {
		t.Fatal("the viewer is shown the decision forms")
	}
	b.wantText("#read-only", "viewer")
	b.shot("viewer-review")

	// The server refuses even a well-formed approval from the viewer's session.
	cookie := b.sessionCookie()
	token := run(b, chromedp.AttributeValue(chromedp.CSS(".account input[name=csrf_token]"), "value"))
	res := f.post("/admin/plugins/issues/versions/1.0.0/approve", url.Values{csrfField: {token.Value}},
		&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer's approval: %d, want 403", res.StatusCode)
	}
	if v, _ := f.registry.Version(t.Context(), "issues", "1.0.0"); v.Status != registry.StatusPending {
		t.Fatalf("the viewer changed the version to %s", v.Status)
	}
	page, _ := f.rt.Audit().List(t.Context(), audit.Filter{Action: "admin.denied", Subject: viewerName})
	if len(page.Entries) != 1 {
		t.Fatalf("%d denied entries for the viewer", len(page.Entries))
	}
}
