package llm

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"3", 3 * time.Second, true}, {"-1", 0, false}, {"soon", 0, false},
		{"99999999999999999", 86400 * time.Second, true},
		{"Thu, 01 Jan 2026 00:00:05 GMT", 5 * time.Second, true},
		{"Wed, 31 Dec 2025 00:00:05 GMT", 0, true},
	} {
		if got, ok := retryAfter(c.in, now); got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// FuzzRetryAfter: a provider's header never panics the parser or yields a
// negative wait.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "120", "Thu, 01 Jan 2026 00:00:05 GMT", "-5", "1e9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, _ := retryAfter(s, time.Now()); d < 0 || d > 86400*time.Second {
			t.Fatalf("retryAfter(%q) = %v", s, d)
		}
	})
}
