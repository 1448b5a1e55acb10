package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/httpapi/signature"
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
		{"too long", "https://hooks.example.com/" + string(make([]byte, maxCallbackURL)), false},
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

// receiver is a callback endpoint on 127.0.0.1 that answers with the
// statuses it is given, in turn, and records what it got.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	bodies   [][]byte
	sigs     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.bodies = append(rc.bodies, body)
	rc.sigs = append(rc.sigs, r.Header.Get(signature.Header))
	status := http.StatusOK
	if n := len(rc.bodies); n <= len(rc.statuses) {
		status = rc.statuses[n-1]
	}
	w.WriteHeader(status)
}

func newCallbacks(allowLoopback bool) *Callbacks {
	var cfg egress.Config
	if allowLoopback {
		cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	c := NewCallbacks(egress.New(cfg))
	c.BaseDelay, c.MaxDelay = time.Millisecond, 5*time.Millisecond
	return c
}

func TestDeliver(t *testing.T) {
	key, body := []byte("client-key"), []byte(`{"id":"r1","status":"succeeded"}`)
	tests := []struct {
		name     string
		allow    bool
		statuses []int
		attempts int
		wantErr  bool
		wantHits int
	}{
		{"delivered at once", true, nil, 3, false, 1},
		{"retried after 503 and a timeout", true, []int{503, 408}, 3, false, 3},
		{"gives up after the attempts", true, []int{500, 500, 500}, 3, true, 3},
		{"4xx is permanent", true, []int{404}, 3, true, 1},
		{"loopback refused unless allowed", false, nil, 3, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &receiver{statuses: tt.statuses}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			c := newCallbacks(tt.allow)
			c.Attempts = tt.attempts
			err := c.Deliver(context.Background(), srv.URL+"/hook?run=r1", key, body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Deliver = %v, want error %v", err, tt.wantErr)
			}
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if len(rc.bodies) != tt.wantHits {
				t.Fatalf("receiver got %d requests, want %d", len(rc.bodies), tt.wantHits)
			}
			for i := range rc.bodies {
				if err := signature.Verify(key, rc.bodies[i], rc.sigs[i], time.Now(), 0); err != nil {
					t.Errorf("request %d: %v", i, err)
				}
			}
		})
	}
}

func TestDeliverRefusesRedirectElsewhere(t *testing.T) {
	other := httptest.NewServer(&receiver{})
	defer other.Close()
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/elsewhere", http.StatusTemporaryRedirect))
	defer redirect.Close()
	err := newCallbacks(true).Deliver(context.Background(), redirect.URL+"/hook", []byte("k"), []byte("{}"))
	if !errors.Is(err, errPermanent) {
		t.Fatalf("Deliver = %v, want a permanent refusal", err)
	}
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	c := &Callbacks{BaseDelay: time.Second, MaxDelay: 8 * time.Second}
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{1, time.Second},
		{2, 2 * time.Second},
		{4, 8 * time.Second},
		{40, 8 * time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := c.backoff(tt.attempt)
			if d <= 0 || d > tt.ceiling {
				t.Fatalf("backoff(%d) = %v, want (0, %v]", tt.attempt, d, tt.ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) is not jittered", tt.attempt)
		}
	}
}
