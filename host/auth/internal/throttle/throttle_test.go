package throttle

import (
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLimiter(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		fails    int
		advance  time.Duration
		key      string
		wantWait time.Duration
	}{
		{"under the limit may try", 2, 0, "a", 0},
		{"at the limit waits for the window", 3, 10 * time.Second, "a", 50 * time.Second},
		{"after the window may try again", 3, time.Minute, "a", 0},
		{"another key is unaffected", 3, 0, "b", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			l := New(3, time.Minute, 100, c.now)
			for range tt.fails {
				l.Fail("a")
			}
			c.t = c.t.Add(tt.advance)
			if got := l.Wait(tt.key); got != tt.wantWait {
				t.Fatalf("Wait = %s, want %s", got, tt.wantWait)
			}
		})
	}
}

func TestLimiterBoundsMemory(t *testing.T) {
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(1, time.Minute, 2, c.now)
	l.Fail("a")
	l.Fail("b")
	l.Fail("c") // full: not tracked
	if l.Wait("c") != 0 || l.Wait("a") == 0 {
		t.Fatal("full limiter dropped an existing key or tracked a new one")
	}
	c.t = c.t.Add(2 * time.Minute)
	l.Fail("d") // expired entries make room
	if l.Wait("d") == 0 {
		t.Fatal("limiter did not make room after expiry")
	}
	if len(l.entries) > 2 {
		t.Fatalf("%d entries, bound is 2", len(l.entries))
	}
}
