package httpapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeDrainsInFlightCalls starts a call whose body is still arriving,
// begins the shutdown, then finishes the body: the call must complete and
// Serve return cleanly, while readiness already says no.
func TestServeDrainsInFlightCalls(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/actions/echo/echo", pr)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	if _, err := pw.Write([]byte(`{"message":`)); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, 5*time.Millisecond, func() error {
		if f.srv.inFlight() == 0 {
			return errNotYet
		}
		return nil
	})
	stop()
	checkFor(t, 5*time.Second, 5*time.Millisecond, func() error {
		if !f.srv.draining.Load() {
			return errNotYet
		}
		return nil
	})
	if _, err := pw.Write([]byte(`"drained"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-answered
	if a.err != nil || a.status != http.StatusOK || a.body != `{"message":"drained"}` {
		t.Fatalf("in-flight call: %d %q %v", a.status, a.body, a.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("server still answers after shutdown: %v", err)
	}
}
