package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/egress/egresstest"
)

func TestCheckCallbackURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{"https", "https://hooks.example.com/saa/done", true},
		{"with port and query", "http://127.0.0.1:9999/cb?run=1&x=y", true},
		{"upper-case host", "https://HOOKS.example.com/cb", true},
		{"relative", "/cb", false},
		{"no scheme", "hooks.example.com/cb", false},
		{"ftp", "ftp://hooks.example.com/cb", false},
		{"userinfo", "https://user:pw@hooks.example.com/cb", false},
		{"fragment", "https://hooks.example.com/cb#x", false},
		{"dot segments", "https://hooks.example.com/a/../b", false},
		{"percent-encoded path", "https://hooks.example.com/a%2fb", false},
		{"too long", "https://hooks.example.com/" + strings.Repeat("a", maxCallbackURL), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckCallbackURL(tt.url)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckCallbackURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func newSender(t *testing.T, allowLoopback bool) *CallbackSender {
	cfg := egress.Config{Dial: egresstest.LoopbackOnly(t)}
	if allowLoopback {
		cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	return NewCallbackSender(egress.New(cfg))
}

func TestSend(t *testing.T) {
	var got struct {
		body, sig, ua, path string
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.body, got.sig, got.ua, got.path = string(b), r.Header.Get("webhook-signature"), r.Header.Get("User-Agent"), r.URL.RequestURI()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	elsewhere := httptest.NewServer(http.RedirectHandler(hook.URL+"/other", http.StatusTemporaryRedirect))
	defer elsewhere.Close()
	tests := []struct {
		name    string
		allow   bool
		url     string
		status  int
		refused error
	}{
		{"delivered", true, hook.URL + "/hook?run=1", http.StatusAccepted, nil},
		{"loopback refused unless allowed", false, hook.URL + "/hook", 0, egress.ErrAddressRefused},
		{"cloud metadata refused", true, "http://169.254.169.254/latest/meta-data/", 0, egress.ErrAddressRefused},
		{"private address refused", true, "http://10.0.0.1:8080/cb", 0, egress.ErrAddressRefused},
		{"IPv6 unique local refused", true, "http://[fd00::1]/cb", 0, egress.ErrAddressRefused},
		{"redirect elsewhere refused", true, elsewhere.URL + "/hook", 0, egress.ErrDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, err := newSender(t, tt.allow).Send(context.Background(), tt.url,
				map[string]string{"webhook-signature": "v1,abc", "Content-Type": "application/json"}, []byte(`{"id":"r"}`))
			if !errors.Is(err, tt.refused) || (tt.refused == nil) != (err == nil) {
				t.Fatalf("Send = %d, %v; want error %v", status, err, tt.refused)
			}
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
		})
	}
	if got.body != `{"id":"r"}` || got.sig != "v1,abc" || got.ua != "saa-callback/1" || got.path != "/hook?run=1" {
		t.Errorf("receiver got %+v", got)
	}
}
