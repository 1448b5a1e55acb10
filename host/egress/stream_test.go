package egress

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/pdk/wire"
)

func TestOpenStreams(t *testing.T) {
	release := make(chan struct{})
	port := serve(t, "", func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get("X-Key")
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: first %s\n\n", v)
		http.NewResponseController(w).Flush()
		<-release
		fmt.Fprintf(w, "data: second %q\n\n", v)
		if r.URL.Path == "/big" {
			fmt.Fprint(w, strings.Repeat("x", 2<<10))
		}
	})
	base := fmt.Sprintf("http://allowed.test:%d", port)
	g, _ := newGuard(t, Config{AllowCIDRs: loopback, MaxResponseBytes: 1 << 10, Resolver: newResolver(map[string]string{"allowed.test": "127.0.0.1"})})
	p := &Policy{Plugin: "demo", Rules: rules(base), Secrets: []SecretBinding{{Name: "key", Header: "X-Key", Hosts: rules(base)}}}
	open := func(path string) *Stream {
		st, err := g.Session(p, memSecrets{"demo/key": secretValue}).Open(context.Background(),
			wire.HTTPRequest{URL: base + path, Headers: map[string]string{"X-Key": "{{secret:key}}"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Body.Close() })
		return st
	}

	t.Run("the first event arrives before the body ends, redacted", func(t *testing.T) {
		st := open("/")
		buf := make([]byte, 256)
		n, err := st.Body.Read(buf)
		if err != nil || string(buf[:n]) != "data: first "+Redacted+"\n" {
			t.Fatalf("first read = %q, %v", buf[:n], err)
		}
		release <- struct{}{}
		rest, err := io.ReadAll(st.Body)
		if err != nil || bytes.Contains(rest, []byte(secretValue)) || !bytes.Contains(rest, []byte(Redacted)) {
			t.Fatalf("rest = %q, %v", rest, err)
		}
	})
	t.Run("a body over the limit fails", func(t *testing.T) {
		st := open("/big")
		release <- struct{}{}
		_, err := io.ReadAll(st.Body)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("a refused request never leaves", func(t *testing.T) {
		_, err := g.Session(p, nil).Open(context.Background(), wire.HTTPRequest{URL: "http://elsewhere.test/"})
		if !errors.Is(err, ErrDenied) {
			t.Fatalf("err = %v, want ErrDenied", err)
		}
	})
	t.Run("closing ends the request", func(t *testing.T) {
		st := open("/")
		done := make(chan error, 1)
		go func() { _, err := io.ReadAll(st.Body); done <- err }()
		time.Sleep(10 * time.Millisecond)
		st.Body.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a read outlived Close")
		}
		close(release)
	})
}

// FuzzLineRedactor: whatever the body and however it is cut into reads, the
// stream hands over what Redact makes of each line, and never the secret.
func FuzzLineRedactor(f *testing.F) {
	for _, s := range []string{"data: " + secretValue + "\n\n", "a\nb\n" + secretValue, "", "\n\n\n", strings.Repeat("x", 5000) + "\n" + secretValue} {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, body string, size uint8) {
		s := testGuard(t, Config{}).Session(&Policy{}, nil)
		s.mu.Lock()
		s.addRedaction(secretValue)
		s.mu.Unlock()
		lr := &lineRedactor{s: s, src: io.NopCloser(nil), r: bufioReader(body), left: 1 << 20, cancel: func() {}}
		var got bytes.Buffer
		buf := make([]byte, int(size)+1)
		for {
			n, err := lr.Read(buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		var want strings.Builder
		for _, line := range strings.SplitAfter(body, "\n") {
			want.WriteString(s.RedactString(line))
		}
		if got.String() != want.String() {
			t.Fatalf("got %q, want %q", got.String(), want.String())
		}
	})
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 64) }
