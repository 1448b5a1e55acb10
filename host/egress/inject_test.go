package egress

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

// headerLog remembers the headers of every request a server received.
type headerLog struct {
	mu   sync.Mutex
	seen []http.Header
}

func (l *headerLog) add(h http.Header) {
	l.mu.Lock()
	l.seen = append(l.seen, h.Clone())
	l.mu.Unlock()
}

func (l *headerLog) holds(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.seen {
		for _, vs := range h {
			for _, v := range vs {
				if strings.Contains(v, s) {
					return true
				}
			}
		}
	}
	return false
}

func TestSecretInjection(t *testing.T) {
	other := &headerLog{}
	otherPort := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		other.add(r.Header)
		fmt.Fprint(w, "other")
	})
	otherURL := fmt.Sprintf("http://other.test:%d", otherPort)
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away": // leaves the secret's hosts, to a host the plugin may reach
			http.Redirect(w, r, otherURL+"/landed", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/echo", http.StatusFound)
		default:
			fmt.Fprint(w, r.Header.Get("Authorization"))
		}
	})
	base := fmt.Sprintf("http://allowed.test:%d", port)
	g, _ := newGuard(t, Config{AllowCIDRs: loopback, Resolver: newResolver(map[string]string{"allowed.test": "127.0.0.1", "other.test": "127.0.0.1"})})
	bind := func(format string) *Policy {
		return &Policy{Plugin: "demo", Rules: rules(base, otherURL), Secrets: []SecretBinding{
			{Name: "token", Header: "authorization", Format: format, Hosts: rules(base)},
		}}
	}
	src := memSecrets{"demo/token": secretValue, "else/token": "not-mine"}
	ref := map[string]string{"Authorization": "{{secret:token}}"}

	t.Run("injected with format", func(t *testing.T) {
		s := g.Session(bind("Bearer {{value}}"), src)
		resp, err := s.Do(context.Background(), wire.HTTPRequest{URL: base + "/echo", Headers: ref})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != "Bearer "+Redacted {
			t.Fatalf("echo = %q, want the formatted secret, redacted", resp.Body)
		}
		if got := s.SecretsUsed(); len(got) != 1 || got[0] != "token" {
			t.Fatalf("SecretsUsed() = %v", got)
		}
	})
	t.Run("injected without format", func(t *testing.T) {
		resp, err := g.Session(bind(""), src).Do(context.Background(), wire.HTTPRequest{URL: base + "/echo", Headers: ref})
		if err != nil || string(resp.Body) != Redacted {
			t.Fatalf("Do() = %q, %v", resp.Body, err)
		}
	})
	t.Run("kept on redirect within bound hosts", func(t *testing.T) {
		resp, err := g.Session(bind(""), src).Do(context.Background(), wire.HTTPRequest{URL: base + "/here", Headers: ref})
		if err != nil || string(resp.Body) != Redacted {
			t.Fatalf("Do() = %q, %v", resp.Body, err)
		}
	})
	t.Run("dropped on redirect leaving bound hosts", func(t *testing.T) {
		s := g.Session(bind(""), src)
		resp, err := s.Do(context.Background(), wire.HTTPRequest{URL: base + "/away", Headers: ref})
		if err != nil || string(resp.Body) != "other" {
			t.Fatalf("Do() = %q, %v", resp.Body, err)
		}
		if other.holds(secretValue) {
			t.Fatal("the secret reached a host it is not bound to")
		}
		if want := []string{base, otherURL}; fmt.Sprint(s.Destinations()) != fmt.Sprint(want) {
			t.Errorf("Destinations() = %v, want %v", s.Destinations(), want)
		}
	})
	t.Run("plugin credentials dropped across origins", func(t *testing.T) {
		h := map[string]string{"Authorization": "Basic cGx1Z2luOmNyZWQ=", "Cookie": "sid=plugin-cookie"}
		if _, err := g.Session(bind(""), src).Do(context.Background(), wire.HTTPRequest{URL: base + "/away", Headers: h}); err != nil {
			t.Fatal(err)
		}
		if other.holds("cGx1Z2luOmNyZWQ=") || other.holds("plugin-cookie") {
			t.Fatal("plugin credentials followed a cross-origin redirect")
		}
	})
	t.Run("namespaced per plugin", func(t *testing.T) {
		p := bind("")
		p.Plugin = "newcomer"
		_, err := g.Session(p, src).Do(context.Background(), wire.HTTPRequest{URL: base + "/echo", Headers: ref})
		if !errors.Is(err, ErrSecretUnavailable) {
			t.Fatalf("Do() error = %v, want ErrSecretUnavailable", err)
		}
	})
	t.Run("no source", func(t *testing.T) {
		_, err := g.Session(bind(""), nil).Do(context.Background(), wire.HTTPRequest{URL: base + "/echo", Headers: ref})
		if !errors.Is(err, ErrSecretUnavailable) {
			t.Fatalf("Do() error = %v, want ErrSecretUnavailable", err)
		}
	})
	t.Run("value that is not a header value", func(t *testing.T) {
		_, err := g.Session(bind(""), memSecrets{"demo/token": "a\r\nX-Evil: 1"}).Do(context.Background(), wire.HTTPRequest{URL: base + "/echo", Headers: ref})
		if !errors.Is(err, ErrSecretUnavailable) || strings.Contains(err.Error(), "X-Evil") {
			t.Fatalf("Do() error = %v, want ErrSecretUnavailable without the value", err)
		}
	})
}

func TestEchoRedacted(t *testing.T) {
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get("X-Key")
		j, _ := json.Marshal(map[string]string{"seen": v})
		w.Header().Set("X-Echo", v)
		w.Header().Set("Location", "https://elsewhere/?k="+url.QueryEscape(v))
		fmt.Fprintf(w, "raw=%s json=%s b64=%s b64url=%s query=%s path=%s",
			v, j, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)),
			url.QueryEscape(v), url.PathEscape(v))
	})
	base := fmt.Sprintf("http://allowed.test:%d", port)
	g, _ := newGuard(t, Config{AllowCIDRs: loopback, Resolver: newResolver(map[string]string{"allowed.test": "127.0.0.1"})})
	p := &Policy{Plugin: "demo", Rules: rules(base), Secrets: []SecretBinding{{Name: "key", Header: "X-Key", Hosts: rules(base)}}}
	s := g.Session(p, memSecrets{"demo/key": secretValue})
	resp, err := s.Do(context.Background(), wire.HTTPRequest{URL: base, Headers: map[string]string{"X-Key": "{{secret:key}}"}})
	if err != nil {
		t.Fatal(err)
	}
	everything := string(resp.Body) + fmt.Sprint(resp.Headers)
	for _, form := range encodings(secretValue) {
		if strings.Contains(everything, form) {
			t.Errorf("response holds the secret as %q: %s", form, everything)
		}
	}
	if n := strings.Count(string(resp.Body), Redacted); n != 6 {
		t.Errorf("body has %d redactions, want 6: %s", n, resp.Body)
	}
	if resp.Headers["X-Echo"] != Redacted {
		t.Errorf("X-Echo = %q", resp.Headers["X-Echo"])
	}
}

func TestRedactErr(t *testing.T) {
	s := testGuard(t, Config{}).Session(&Policy{Plugin: "demo"}, nil)
	s.mu.Lock()
	s.addRedaction(secretValue)
	s.mu.Unlock()
	err := s.redactErr(fmt.Errorf("upstream said %s: %w", secretValue, ErrTooLarge))
	if strings.Contains(err.Error(), secretValue) || !strings.Contains(err.Error(), Redacted) {
		t.Fatalf("error %q not redacted", err)
	}
	if !errors.Is(err, ErrTooLarge) {
		t.Fatal("redacted error lost its sentinel")
	}
	if errors.Unwrap(err) != nil {
		t.Fatal("redacted error exposes the original through Unwrap")
	}
}
