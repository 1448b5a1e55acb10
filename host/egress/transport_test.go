package egress

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

func TestRebindingCannotBypass(t *testing.T) {
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	res := newResolver(nil)
	res.set("rebind.test", "127.0.0.1", "10.0.0.1") // first answer vetted, then hostile
	g, dials := newGuard(t, Config{AllowCIDRs: loopback, Resolver: res})
	base := fmt.Sprintf("http://rebind.test:%d/", port)
	s := g.Session(&Policy{Plugin: "demo", Rules: rules(base)}, nil)

	resp, err := s.Do(context.Background(), wire.HTTPRequest{URL: base})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("first Do() = %q, %v", resp.Body, err)
	}
	want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	if got := dials.all(); len(got) != 1 || got[0] != want {
		t.Fatalf("dialled %v, want exactly the vetted %v", got, want)
	}
	if n := res.count("rebind.test"); n != 1 {
		t.Fatalf("%d lookups for one connection, want 1 (no second lookup)", n)
	}

	g.Close() // force a new connection, hence a new lookup
	_, err = s.Do(context.Background(), wire.HTTPRequest{URL: base})
	if !errors.Is(err, ErrAddressRefused) {
		t.Fatalf("second Do() error = %v, want ErrAddressRefused", err)
	}
	if got := dials.all(); len(got) != 1 {
		t.Fatalf("dialled %v after the hostile answer", got)
	}
}

func TestTLSVerifiesHostName(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.TLS.ServerName)
	}))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate()) // valid for example.com and 127.0.0.1
	res := newResolver(map[string]string{"example.com": "127.0.0.1", "wrong.test": "127.0.0.1"})
	g, _ := newGuard(t, Config{AllowCIDRs: loopback, Resolver: res, RootCAs: roots})
	good := fmt.Sprintf("https://example.com:%d/", port)
	bad := fmt.Sprintf("https://wrong.test:%d/", port)
	s := g.Session(&Policy{Plugin: "demo", Rules: rules(good, bad)}, nil)

	resp, err := s.Do(context.Background(), wire.HTTPRequest{URL: good})
	if err != nil || string(resp.Body) != "example.com" {
		t.Fatalf("Do(%s) = %q, %v; want SNI example.com", good, resp.Body, err)
	}
	_, err = s.Do(context.Background(), wire.HTTPRequest{URL: bad})
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Fatalf("Do(%s) error = %v, want a host name mismatch although the IP is in the certificate", bad, err)
	}
}

func TestResponseBounds(t *testing.T) {
	const limit = 1024
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/exact":
			w.Write(make([]byte, limit))
		case "/declared":
			w.Header().Set("Content-Length", fmt.Sprint(limit+1))
			w.Write(make([]byte, limit+1))
		case "/chunked":
			w.(http.Flusher).Flush()
			w.Write(make([]byte, limit+1))
		case "/headers":
			w.Header().Set("X-Big", strings.Repeat("a", maxResponseHeaderBytes+1))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
	})
	base := fmt.Sprintf("http://allowed.test:%d", port)
	tests := []struct {
		path string
		want error // nil: success; errAny: any error
	}{
		{"/exact", nil},
		{"/declared", ErrTooLarge},
		{"/chunked", ErrTooLarge},
		{"/headers", errAny},
		{"/slow", context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			cfg := Config{AllowCIDRs: loopback, Resolver: newResolver(map[string]string{"allowed.test": "127.0.0.1"}), MaxResponseBytes: limit}
			if tc.path == "/slow" {
				cfg.Timeout = 50e6 // 50ms; the test asserts the error, not the time
			}
			g, _ := newGuard(t, cfg)
			resp, err := g.Session(&Policy{Plugin: "demo", Rules: rules(base)}, nil).Do(context.Background(), wire.HTTPRequest{URL: base + tc.path})
			switch {
			case tc.want == nil && (err != nil || len(resp.Body) != limit):
				t.Fatalf("Do() = %d bytes, %v", len(resp.Body), err)
			case tc.want == errAny && err == nil, tc.want != nil && tc.want != errAny && !errors.Is(err, tc.want):
				t.Fatalf("Do() error = %v, want %v", err, tc.want)
			}
		})
	}
}

var errAny = errors.New("any error")
