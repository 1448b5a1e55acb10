package httpapi

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer the test can read while the writer runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogWriter(t *testing.T) {
	t.Run("flushes on its interval", func(t *testing.T) {
		out := &lockedBuffer{}
		w := NewLogWriter(out, 5*time.Millisecond)
		defer w.Close()
		w.Write([]byte("one\n"))
		checkFor(t, 5*time.Second, time.Millisecond, func() error {
			if out.String() != "one\n" {
				return errNotYet
			}
			return nil
		})
	})
	t.Run("close flushes the rest", func(t *testing.T) {
		out := &lockedBuffer{}
		w := NewLogWriter(out, time.Hour)
		w.Write([]byte("a\n"))
		w.Write([]byte("b\n"))
		if out.String() != "" {
			t.Fatal("written before a flush")
		}
		w.Close()
		if out.String() != "a\nb\n" {
			t.Fatalf("after Close: %q", out.String())
		}
	})
	t.Run("a full buffer is written at once", func(t *testing.T) {
		out := &lockedBuffer{}
		w := NewLogWriter(out, time.Hour)
		defer w.Close()
		line := strings.Repeat("x", 1023) + "\n"
		for range 100 {
			w.Write([]byte(line))
		}
		if got := len(out.String()); got < 64<<10 {
			t.Fatalf("%d bytes written", got)
		}
	})
}
