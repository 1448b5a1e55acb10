package egress

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

func TestRedirects(t *testing.T) {
	// The allowed server listens on 127.0.0.2, the only address the operator
	// allows; a second server on 127.0.0.1 must never be reached.
	var loopHits atomic.Int32
	loopPort := serve(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) { loopHits.Add(1) })
	port := serve(t, "127.0.0.2:0", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default: // /to?u=<location>&code=<status>
			code := http.StatusFound
			fmt.Sscan(r.URL.Query().Get("code"), &code)
			w.Header().Set("Location", r.URL.Query().Get("u"))
			w.WriteHeader(code)
		}
	})
	res := newResolver(map[string]string{"allowed.test": "127.0.0.2", "private.test": "10.0.0.1"})
	base := fmt.Sprintf("http://allowed.test:%d", port)
	loop := fmt.Sprintf("http://127.0.0.1:%d/", loopPort)
	policy := &Policy{Plugin: "demo", Rules: rules(base, loop, "http://169.254.169.254", "http://private.test")}

	tests := []struct {
		name, method, location string
		code                   int
		max                    int
		want                   error
		wantBody               string
		wantStatus             int
	}{
		{"to allowed path", "GET", "/ok", 302, 0, nil, "GET /ok", 200},
		{"absolute to allowed", "GET", base + "/ok", 301, 0, nil, "GET /ok", 200},
		{"303 turns post into get", "POST", "/ok", 303, 0, nil, "GET /ok", 200},
		{"302 turns post into get", "POST", "/ok", 302, 0, nil, "GET /ok", 200},
		{"307 keeps post", "POST", "/ok", 307, 0, nil, "POST /ok", 200},
		{"308 keeps put", "PUT", "/ok", 308, 0, nil, "PUT /ok", 200},
		{"to loopback not allowed by operator", "GET", loop, 302, 0, ErrAddressRefused, "", 0},
		{"to metadata", "GET", "http://169.254.169.254/latest/meta-data/", 302, 0, ErrAddressRefused, "", 0},
		{"to name resolving to private", "GET", "http://private.test/", 307, 0, ErrAddressRefused, "", 0},
		{"to undeclared host", "GET", "http://evil.test/", 302, 0, ErrDenied, "", 0},
		{"to other scheme", "GET", "ftp://allowed.test/", 302, 0, ErrDenied, "", 0},
		{"to credentials", "GET", "http://u:p@allowed.test/", 302, 0, ErrDenied, "", 0},
		{"loop", "GET", "/loop", 302, 0, ErrTooManyRedirects, "", 0},
		{"not followed when disabled", "GET", "/ok", 302, -1, nil, "", 302},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, dials := newGuard(t, Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, Resolver: res, MaxRedirects: tc.max})
			u := fmt.Sprintf("%s/to?code=%d&u=%s", base, tc.code, tc.location)
			resp, err := g.Session(policy, nil).Do(context.Background(), wire.HTTPRequest{Method: tc.method, URL: u, Body: []byte("b")})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Do() error = %v, want %v", err, tc.want)
			}
			if err == nil && (resp.Status != tc.wantStatus || string(resp.Body) != tc.wantBody) {
				t.Fatalf("got %d %q, want %d %q", resp.Status, resp.Body, tc.wantStatus, tc.wantBody)
			}
			for _, d := range dials.all() {
				if d.Addr() != netip.MustParseAddr("127.0.0.2") {
					t.Errorf("dialled %s", d)
				}
			}
			if loopHits.Load() != 0 {
				t.Fatal("the loopback server was reached")
			}
		})
	}
}
