package adminui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/secure-agent/saa/admin-ui/uitest"
)

// screenshotDir is where the browser test saves the main pages, for people
// to look at (gitignored).
var screenshotDir = filepath.Join("..", "test-output", "screenshots")

// browserTimeout bounds the whole browser session.
const browserTimeout = 4 * time.Minute

// browser drives one headless Chromium tab.
type browser struct {
	t   *testing.T
	ctx context.Context
	url string // the server's base URL
}

// newBrowser starts Chromium with a fresh profile (see uitest.Chromium).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	return &browser{t: t, ctx: uitest.Chromium(t, browserTimeout)}
}

// do runs steps, failing the test on error.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// open loads path and waits until sel is visible.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.url+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// click clicks sel and waits until then, on the next page, is visible.
func (b *browser) click(sel, then string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(then)))
}

// text returns the text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return run(b, chromedp.Text(chromedp.CSS(sel)))
}

// eval evaluates a JavaScript expression through the DevTools protocol
// (the page's CSP forbids scripts, DevTools is not bound by it).
func (b *browser) eval(expr string) string {
	b.t.Helper()
	return run(b, chromedp.Evaluate[string](expr))
}

func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// shot saves a full-page PNG of the current page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := run(b, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn signs in with the keyboard alone: the user name field has focus,
// Tab goes to the password, Enter submits.
func (b *browser) signIn(name, password string) {
	b.t.Helper()
	b.open("/admin", "#signin-form")
	if got := b.eval(`document.activeElement.id`); got != "username" {
		b.t.Fatalf("focus on the sign-in page is on %q, want the user name", got)
	}
	b.do(chromedp.KeyEvent(name), chromedp.KeyEvent("\t"), chromedp.KeyEvent(password), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(".account")))
}

// sessionCookie returns the browser's session cookie for the UI.
func (b *browser) sessionCookie() *network.Cookie {
	b.t.Helper()
	all := run(b, chromedp.Action[[]*network.Cookie](func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.url + "/admin"}})
		return res.Cookies, err
	}))
	for _, c := range all {
		if c.Name == sessionCookie {
			return c
		}
	}
	b.t.Fatal("the browser holds no session cookie")
	return nil
}

// wantText fails unless the text of sel contains want.
func (b *browser) wantText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s says %q, want %q", sel, got, want)
	}
}
