package throttle

import (
	"context"
	"testing"
	"time"
)

// newTestGuard returns a guard on clock c whose waits are recorded instead
// of slept.
func newTestGuard(c *clock) (*Guard, *[]time.Duration) {
	g := NewGuard(3, time.Minute, 100, c.now)
	var waits []time.Duration
	g.sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}
	return g, &waits
}

func admit(t *testing.T, g *Guard, identity, source string) time.Duration {
	t.Helper()
	retry, err := g.Admit(t.Context(), identity, source)
	if err != nil {
		t.Fatal(err)
	}
	return retry
}

func TestGuardThrottlesTheSource(t *testing.T) {
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	g, _ := newTestGuard(c)
	for range 3 {
		g.Failed("", "attacker")
	}
	if admit(t, g, "", "attacker") <= 0 {
		t.Fatal("a source at the limit was admitted")
	}
	if admit(t, g, "", "owner") != 0 {
		t.Fatal("another source was refused")
	}
	c.t = c.t.Add(time.Minute)
	if admit(t, g, "", "attacker") != 0 {
		t.Fatal("the source was still refused after the window")
	}
}

func TestGuardNeverLocksAnIdentityOut(t *testing.T) {
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	g, waits := newTestGuard(c)
	for _, src := range []string{"a1", "a2", "a3"} { // spread over sources
		g.Failed("user:admin", src)
	}
	t.Run("a new source is admitted, in turn, at least a gap apart", func(t *testing.T) {
		for i := range 3 {
			if r := admit(t, g, "user:admin", "new"); r != 0 {
				t.Fatalf("attempt %d refused for %s", i, r)
			}
		}
		if len(*waits) != 3 {
			t.Fatalf("%d waits, want 3", len(*waits))
		}
		for i, w := range *waits {
			if min := time.Duration(i)*DefaultGap - DefaultGap/2; w < min {
				t.Fatalf("attempt %d waited %s, want at least %s", i, w, min)
			}
		}
	})
	t.Run("a source that signed in before skips the queue", func(t *testing.T) {
		g.Succeeded("user:admin", "home")
		before := len(*waits)
		if admit(t, g, "user:admin", "home") != 0 || len(*waits) != before {
			t.Fatal("known source was queued")
		}
	})
	t.Run("another identity is not slowed", func(t *testing.T) {
		before := len(*waits)
		if admit(t, g, "user:other", "new") != 0 || len(*waits) != before {
			t.Fatal("another identity was queued")
		}
	})
	t.Run("a full queue says when to come back", func(t *testing.T) {
		for range DefaultMaxWaiters {
			if _, retry := g.reserve("user:busy"); retry != 0 {
				t.Fatal("queue full too early")
			}
		}
		if _, retry := g.reserve("user:busy"); retry <= 0 {
			t.Fatal("queue took more than its bound")
		}
	})
	t.Run("after the window the identity is fast again", func(t *testing.T) {
		c.t = c.t.Add(time.Minute)
		before := len(*waits)
		if admit(t, g, "user:admin", "new") != 0 || len(*waits) != before {
			t.Fatal("still queued after the window")
		}
	})
}

func TestGuardWaitEndsWithTheRequest(t *testing.T) {
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	g := NewGuard(1, time.Minute, 100, c.now)
	g.Failed("client:x", "a")
	g.reserve("client:x") // someone is ahead: the next turn is a gap away
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := g.Admit(ctx, "client:x", "b"); err == nil {
		t.Fatal("Admit waited past the end of its request")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w := g.queue["client:x"].waiters; w != 1 {
		t.Fatalf("%d waiters after the cancelled one left, want 1", w)
	}
}
