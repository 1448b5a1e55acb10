package egress

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

// anyRule allows every URL, so that a case shows which other check refuses.
type anyRule struct{}

func (anyRule) Allows(*url.URL) bool { return true }
func (anyRule) String() string       { return "*" }

const secretValue = "s3cr3t-Value/+=&<>"

// recorder counts hook verdicts.
type recorder struct {
	mu       sync.Mutex
	verdicts []string
}

func (r *recorder) hook(host, verdict string) {
	r.mu.Lock()
	r.verdicts = append(r.verdicts, host+" "+verdict)
	r.mu.Unlock()
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.verdicts) == 0 {
		return ""
	}
	return r.verdicts[len(r.verdicts)-1]
}

func TestDoRefuses(t *testing.T) {
	var hits atomic.Int32
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	res := newResolver(map[string]string{
		"allowed.test":  "127.0.0.1",
		"other.test":    "127.0.0.1",
		"private.test":  "10.0.0.1",
		"mixed.test":    "8.8.8.8,10.0.0.1",
		"metadata.test": "169.254.169.254",
		"mapped.test":   "::ffff:127.0.0.1",
	})
	at := func(host string) string { return fmt.Sprintf("http://%s:%d/", host, port) }
	allowed := at("allowed.test")
	token := SecretBinding{Name: "token", Header: "Authorization", Format: "Bearer {{value}}", Hosts: rules(allowed)}
	missing := SecretBinding{Name: "missing", Header: "X-Key", Hosts: rules(allowed)}
	strict := &Policy{Plugin: "demo", Rules: rules(allowed, at("other.test")), Secrets: []SecretBinding{token, missing}}
	open := &Policy{Plugin: "demo", Rules: []Rule{anyRule{}}, Secrets: []SecretBinding{token}}
	get := func(u string) wire.HTTPRequest { return wire.HTTPRequest{Method: "GET", URL: u} }
	withHeader := func(k, v string) wire.HTTPRequest {
		return wire.HTTPRequest{URL: allowed, Headers: map[string]string{k: v}}
	}

	tests := []struct {
		name    string
		policy  *Policy
		loop    bool // allow 127.0.0.1/32
		req     wire.HTTPRequest
		want    error
		verdict string
	}{
		{"nil policy", nil, true, get(allowed), ErrDenied, VerdictDenied},
		{"empty policy", &Policy{Plugin: "demo"}, true, get(allowed), ErrDenied, VerdictDenied},
		{"host no rule allows", strict, true, get(at("evil.test")), ErrDenied, VerdictDenied},
		{"port no rule allows", strict, true, get(fmt.Sprintf("http://allowed.test:%d/", port+1)), ErrDenied, VerdictDenied},
		{"scheme no rule allows", strict, true, get(fmt.Sprintf("https://allowed.test:%d/", port)), ErrDenied, VerdictDenied},
		{"method connect", strict, true, wire.HTTPRequest{Method: "CONNECT", URL: allowed}, ErrDenied, VerdictDenied},
		{"method trace", strict, true, wire.HTTPRequest{Method: "TRACE", URL: allowed}, ErrDenied, VerdictDenied},
		{"method options", strict, true, wire.HTTPRequest{Method: "OPTIONS", URL: allowed}, ErrDenied, VerdictDenied},
		{"scheme file", open, true, get("file:///etc/passwd"), ErrDenied, VerdictDenied},
		{"scheme ftp", open, true, get("ftp://allowed.test/"), ErrDenied, VerdictDenied},
		{"credentials in url", open, true, get("http://user:pw@allowed.test/"), ErrDenied, VerdictDenied},
		{"relative url", open, true, get("/etc/passwd"), ErrDenied, VerdictDenied},
		{"decimal ip host", open, true, get("http://2130706433/"), ErrDenied, VerdictDenied},
		{"short ip host", open, true, get("http://127.1/"), ErrDenied, VerdictDenied},
		{"hex ip host", open, true, get("http://0x7f.1/"), ErrDenied, VerdictDenied},
		{"trailing dot host", open, true, get("http://allowed.test./"), ErrDenied, VerdictDenied},
		{"ipv6 zone", open, true, get("http://[fe80::1%25eth0]/"), ErrDenied, VerdictDenied},
		{"loopback literal", open, false, get(at("127.0.0.1")), ErrAddressRefused, VerdictRefused},
		{"loopback v6 literal", open, false, get(at("[::1]")), ErrAddressRefused, VerdictRefused},
		{"metadata literal", open, true, get("http://169.254.169.254/latest/meta-data/"), ErrAddressRefused, VerdictRefused},
		{"private literal", open, true, get("http://10.0.0.1/"), ErrAddressRefused, VerdictRefused},
		{"rfc1918 192 literal", open, true, get("http://192.168.0.1/"), ErrAddressRefused, VerdictRefused},
		{"cgnat literal", open, true, get("http://100.64.0.1/"), ErrAddressRefused, VerdictRefused},
		{"multicast literal", open, true, get("http://224.0.0.1/"), ErrAddressRefused, VerdictRefused},
		{"unspecified literal", open, true, get("http://0.0.0.0/"), ErrAddressRefused, VerdictRefused},
		{"broadcast literal", open, true, get("http://255.255.255.255/"), ErrAddressRefused, VerdictRefused},
		{"ula literal", open, true, get("http://[fd00::1]/"), ErrAddressRefused, VerdictRefused},
		{"link-local v6 literal", open, true, get("http://[fe80::1]/"), ErrAddressRefused, VerdictRefused},
		{"mapped metadata literal", open, true, get("http://[::ffff:169.254.169.254]/"), ErrAddressRefused, VerdictRefused},
		{"nat64 private literal", open, true, get("http://[64:ff9b::a00:1]/"), ErrAddressRefused, VerdictRefused},
		{"6to4 private literal", open, true, get("http://[2002:a00:1::1]/"), ErrAddressRefused, VerdictRefused},
		{"name resolving to private", open, true, get("http://private.test/"), ErrAddressRefused, VerdictRefused},
		{"name resolving to metadata", open, true, get("http://metadata.test/"), ErrAddressRefused, VerdictRefused},
		{"name resolving to public and private", open, true, get("http://mixed.test/"), ErrAddressRefused, VerdictRefused},
		{"name resolving to mapped loopback", open, false, get(at("mapped.test")), ErrAddressRefused, VerdictRefused},
		{"loopback name without operator allow", strict, false, get(allowed), ErrAddressRefused, VerdictRefused},
		{"header host", strict, true, withHeader("Host", "evil.test"), ErrHeader, VerdictDenied},
		{"header content-length", strict, true, withHeader("content-length", "5"), ErrHeader, VerdictDenied},
		{"header transfer-encoding", strict, true, withHeader("Transfer-Encoding", "chunked"), ErrHeader, VerdictDenied},
		{"header connection", strict, true, withHeader("Connection", "close"), ErrHeader, VerdictDenied},
		{"header proxy-authorization", strict, true, withHeader("Proxy-Authorization", "x"), ErrHeader, VerdictDenied},
		{"header accept-encoding", strict, true, withHeader("Accept-Encoding", "gzip"), ErrHeader, VerdictDenied},
		{"header te", strict, true, withHeader("TE", "trailers"), ErrHeader, VerdictDenied},
		{"header upgrade", strict, true, withHeader("Upgrade", "websocket"), ErrHeader, VerdictDenied},
		{"header crlf value", strict, true, withHeader("X-A", "a\r\nHost: evil"), ErrHeader, VerdictDenied},
		{"header bad name", strict, true, withHeader("X A", "a"), ErrHeader, VerdictDenied},
		{"header twice", strict, true, wire.HTTPRequest{URL: allowed, Headers: map[string]string{"x-a": "1", "X-A": "2"}}, ErrHeader, VerdictDenied},
		{"secret in path", strict, true, get(allowed + "{{secret:token}}"), ErrSecretMisuse, VerdictDenied},
		{"secret in query", strict, true, get(allowed + "?k={{secret:token}}"), ErrSecretMisuse, VerdictDenied},
		{"secret escaped in query", strict, true, get(allowed + "?k=%7B%7Bsecret:token%7D%7D"), ErrSecretMisuse, VerdictDenied},
		{"secret in body", strict, true, wire.HTTPRequest{Method: "POST", URL: allowed, Body: []byte(`{"t":"{{secret:token}}"}`)}, ErrSecretMisuse, VerdictDenied},
		{"secret in header name", strict, true, withHeader("{{secret:token}}", "x"), ErrSecretMisuse, VerdictDenied},
		{"secret inside header value", strict, true, withHeader("Authorization", "Bearer {{secret:token}}"), ErrSecretMisuse, VerdictDenied},
		{"two secrets in header value", strict, true, withHeader("Authorization", "{{secret:token}}{{secret:token}}"), ErrSecretMisuse, VerdictDenied},
		{"secret undeclared", strict, true, withHeader("Authorization", "{{secret:other}}"), ErrSecretMisuse, VerdictDenied},
		{"secret in other header", strict, true, withHeader("X-Token", "{{secret:token}}"), ErrSecretMisuse, VerdictDenied},
		{"secret toward unbound host", strict, true, wire.HTTPRequest{URL: at("other.test"), Headers: map[string]string{"Authorization": "{{secret:token}}"}}, ErrSecretMisuse, VerdictDenied},
		{"secret without value", strict, true, withHeader("X-Key", "{{secret:missing}}"), ErrSecretUnavailable, VerdictError},
		{"body too large", strict, true, wire.HTTPRequest{Method: "POST", URL: allowed, Body: make([]byte, 1025)}, ErrTooLarge, VerdictError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Resolver: res, MaxRequestBytes: 1024}
			if tc.loop {
				cfg.AllowCIDRs = loopback
			}
			rec := &recorder{}
			cfg.OnRequest = rec.hook
			g, dials := newGuard(t, cfg)
			before := hits.Load()
			_, err := g.Session(tc.policy, memSecrets{"demo/token": secretValue}).Do(context.Background(), tc.req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Do() error = %v, want %v", err, tc.want)
			}
			if n := len(dials.all()); n != 0 {
				t.Errorf("dialled %d times (%v), want no connection attempt", n, dials.all())
			}
			if hits.Load() != before {
				t.Error("the server was reached")
			}
			if got := rec.last(); !strings.HasSuffix(got, " "+tc.verdict) {
				t.Errorf("last verdict %q, want %q", got, tc.verdict)
			}
			if strings.Contains(err.Error(), secretValue) {
				t.Errorf("error %q holds the secret", err)
			}
		})
	}
}

func TestDoSends(t *testing.T) {
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "identity" || r.Header.Get("X-Plugin") != "yes" {
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		}
		body := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(body)
		w.Header().Set("X-Method", r.Method)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.RequestURI(), body)
	})
	base := fmt.Sprintf("http://allowed.test:%d", port)
	rec := &recorder{}
	g, dials := newGuard(t, Config{AllowCIDRs: loopback, Resolver: newResolver(map[string]string{"allowed.test": "127.0.0.1"}), OnRequest: rec.hook})
	s := g.Session(&Policy{Plugin: "demo", Rules: rules(base)}, nil)

	tests := []struct {
		name, method, body, want string
	}{
		{"get", "GET", "", "GET /a?b=c "},
		{"lower-case method", "get", "", "GET /a?b=c "},
		{"empty method is get", "", "", "GET /a?b=c "},
		{"post with body", "POST", "hello", "POST /a?b=c hello"},
		{"put", "PUT", "x", "PUT /a?b=c x"},
		{"patch", "PATCH", "x", "PATCH /a?b=c x"},
		{"delete", "DELETE", "", "DELETE /a?b=c "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.Do(context.Background(), wire.HTTPRequest{
				Method: tc.method, URL: base + "/a?b=c#frag", Headers: map[string]string{"X-Plugin": "yes"}, Body: []byte(tc.body),
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 200 || string(resp.Body) != tc.want {
				t.Fatalf("got %d %q, want 200 %q", resp.Status, resp.Body, tc.want)
			}
		})
	}
	if got := s.Destinations(); len(got) != 1 || got[0] != base {
		t.Errorf("Destinations() = %v, want [%s]", got, base)
	}
	for _, d := range dials.all() {
		if d.Addr().String() != "127.0.0.1" {
			t.Errorf("dialled %s", d)
		}
	}
	if got := rec.last(); got != "allowed.test allowed" {
		t.Errorf("last verdict %q", got)
	}
}

func TestDoConcurrent(t *testing.T) {
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Header.Get("Authorization")) })
	base := fmt.Sprintf("http://allowed.test:%d", port)
	g, _ := newGuard(t, Config{AllowCIDRs: loopback, Resolver: newResolver(map[string]string{"allowed.test": "127.0.0.1"})})
	p := &Policy{Plugin: "demo", Rules: rules(base), Secrets: []SecretBinding{{Name: "token", Header: "Authorization", Hosts: rules(base)}}}
	s := g.Session(p, memSecrets{"demo/token": secretValue})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			resp, err := s.Do(context.Background(), wire.HTTPRequest{URL: base, Headers: map[string]string{"Authorization": "{{secret:token}}"}})
			if err == nil && string(resp.Body) != Redacted {
				err = fmt.Errorf("body %q", resp.Body)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
