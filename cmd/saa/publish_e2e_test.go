package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/secure-agent/saa/admin-ui/uitest"
	"github.com/secure-agent/saa/host/plugintest"
)

// TestPublishApproveInBrowserAndCall is the publishing path end to end on
// the real binary: a bundle packed, signed and published from the CLI is
// pending and does not run; an admin approves it in a real browser; then it
// serves calls.
func TestPublishApproveInBrowserAndCall(t *testing.T) {
	tab := uitest.Chromium(t, 3*time.Minute)
	s := startServe(t, freePort(t), t.TempDir())
	admin := "Basic admin:" + s.adminPassword()

	dir := plugintest.Install(t, plugintest.Testdata("counter"))
	bundle := filepath.Join(t.TempDir(), "counter.tar.gz")
	key := filepath.Join(t.TempDir(), "publisher.key")
	pubID, pubSecret := s.newClient(admin, "plugins:publish")
	for _, args := range [][]string{
		{"plugin", "pack", filepath.Join(dir, "counter.yaml"), "--out", bundle},
		{"plugin", "keygen", "--out", key},
		{"plugin", "sign", bundle, "--key", key},
		{"plugin", "publish", bundle, "--server", s.base, "--client-id", pubID, "--client-secret", pubSecret},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Fatalf("saa %v: exit %d: %s", args, code, stderr.String())
		}
	}

	agentID, agentSecret := s.newClient(admin, "counter:count")
	agent := s.token(agentID, agentSecret, "counter:count")
	call := func() reply { return s.postJSON("/v1/actions/counter/next", agent, `{}`) }
	if r := call(); r.status != http.StatusNotFound {
		t.Fatalf("a pending plugin answered %d %s, want 404: nothing pending runs", r.status, r.body)
	}

	err := chromedp.Do(tab,
		chromedp.Navigate(s.base+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), s.adminPassword()),
		chromedp.Submit(chromedp.CSS("#signin-form")),
		chromedp.WaitVisible(chromedp.CSS(".account")),
		chromedp.Navigate(s.base+"/admin/plugins/counter/versions/1.0.0"),
		chromedp.Click(chromedp.CSS("#approve-form button")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	)
	if err != nil {
		t.Fatalf("approve in the browser: %v", err)
	}

	if r := call(); r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"calls":1`)) {
		t.Fatalf("after approval: %d %s, want the counter's first call", r.status, r.body)
	}
}
