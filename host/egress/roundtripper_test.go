package egress

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A library's *http.Client over Transport gets the guard's answer and its
// checks: the request arrives whole, and an address the operator did not
// allow, or a destination outside the policy, never gets a packet.
func TestTransportSendsThroughTheGuard(t *testing.T) {
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"auth":%q,"body":%q}`, r.Header.Get("Authorization"), body)
	})
	base := fmt.Sprintf("http://provider.test:%d", port)
	res := newResolver(map[string]string{"provider.test": "127.0.0.1"})
	own := func(r *http.Request) (*Policy, error) { return &Policy{Plugin: "accounts", Rules: rules(base)}, nil }
	post := func(g *Guard, target string) (*http.Response, error) {
		c := &http.Client{Transport: &Transport{Guard: g, Policy: own}}
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(url.Values{"grant_type": {"refresh_token"}}.Encode()))
		req.Header.Set("Authorization", "Basic Y2xpZW50OnNlY3JldA==")
		return c.Do(req)
	}

	allowed, _ := newGuard(t, Config{AllowCIDRs: loopback, Resolver: res})
	resp, err := post(allowed, base+"/token")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Type") != "application/json" ||
		string(got) != `{"auth":"Basic Y2xpZW50OnNlY3JldA==","body":"grant_type=refresh_token"}` {
		t.Fatalf("answer %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), got)
	}
	if _, err := post(allowed, fmt.Sprintf("http://other.test:%d/token", port)); !errors.Is(err, ErrDenied) {
		t.Fatalf("a destination outside the policy: %v, want ErrDenied", err)
	}
	refused, dials := newGuard(t, Config{Resolver: res})
	if _, err := post(refused, base+"/token"); !errors.Is(err, ErrAddressRefused) {
		t.Fatalf("loopback without the operator's CIDR: %v, want ErrAddressRefused", err)
	}
	if n := len(dials.all()); n != 0 {
		t.Fatalf("%d dials to a refused address", n)
	}
}
