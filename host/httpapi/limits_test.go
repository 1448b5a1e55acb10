package httpapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiterRate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(ClientLimits{Rate: 10, Burst: 3}, nil, clock.now)
	admit := func() *denial {
		release, d := l.acquire(context.Background(), "c1")
		if release != nil {
			release()
		}
		return d
	}
	for i := range 3 {
		if d := admit(); d != nil {
			t.Fatalf("request %d of the burst refused: %+v", i, d)
		}
	}
	d := admit()
	if d == nil || d.kind != KindRateLimited {
		t.Fatalf("4th request = %+v, want rate-limited", d)
	}
	if d.retryAfter <= 0 || d.retryAfter > 100*time.Millisecond {
		t.Errorf("retryAfter = %v, want (0, 100ms]", d.retryAfter)
	}
	clock.advance(100 * time.Millisecond)
	if d := admit(); d != nil {
		t.Fatalf("after one token's worth of time: %+v", d)
	}
	if d := admit(); d == nil {
		t.Fatal("bucket should be empty again")
	}
	if _, d := l.acquire(context.Background(), "c2"); d != nil {
		t.Fatalf("another client is throttled too: %+v", d)
	}
}

func TestLimiterConcurrency(t *testing.T) {
	l := newLimiter(ClientLimits{Concurrency: 2}, nil, nil)
	ctx := context.Background()
	r1, _ := l.acquire(ctx, "c")
	r2, _ := l.acquire(ctx, "c")
	if _, d := l.acquire(ctx, "c"); d == nil || d.kind != KindConcurrencyLimit {
		t.Fatalf("3rd concurrent request = %+v, want concurrency-limited", d)
	}
	r1()
	r3, d := l.acquire(ctx, "c")
	if d != nil {
		t.Fatalf("after a release: %+v", d)
	}
	r2()
	r3()
}

func TestLimiterSource(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	own := ClientLimits{Rate: 1, Burst: 1}
	src := &countingStore{own: own, client: "strict"}
	l := newLimiter(ClientLimits{Rate: 1000, Burst: 1000}, src, clock.now)
	tests := []struct {
		name    string
		client  string
		refused bool
	}{
		{"own limit admits the first", "strict", false},
		{"own limit refuses the second", "strict", true},
		{"defaults for others", "relaxed", false},
		{"defaults admit more", "relaxed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release, d := l.acquire(context.Background(), tt.client)
			if (d != nil) != tt.refused {
				t.Fatalf("refused = %v, want %v", d != nil, tt.refused)
			}
			if release != nil {
				release()
			}
		})
	}
	if src.lookups != 2 {
		t.Errorf("%d lookups, want 2 (one per client, then cached)", src.lookups)
	}
	t.Run("store failure keeps known limits", func(t *testing.T) {
		src.failing = true
		clock.advance(limitRefresh)
		if _, d := l.acquire(context.Background(), "strict"); d != nil {
			t.Fatalf("one token refilled, still refused: %+v", d)
		}
		if _, d := l.acquire(context.Background(), "strict"); d == nil {
			t.Fatal("the client's own limit was dropped when the store failed")
		}
	})
}

// countingStore serves one client's own limits and counts lookups.
type countingStore struct {
	MemoryLimits
	own     ClientLimits
	client  string
	lookups int
	failing bool
}

func (s *countingStore) ClientLimits(_ context.Context, id string) (ClientLimits, bool, error) {
	s.lookups++
	if s.failing {
		return ClientLimits{}, false, errors.New("store down")
	}
	return s.own, id == s.client, nil
}

func TestLimiterForget(t *testing.T) {
	store := &MemoryLimits{}
	l := newLimiter(ClientLimits{Rate: 1000, Burst: 1000}, store, nil)
	ctx := context.Background()
	if _, d := l.acquire(ctx, "c"); d != nil {
		t.Fatal(d)
	}
	store.SetClientLimits(ctx, "c", ClientLimits{Concurrency: 1})
	l.forget("c")
	release, d := l.acquire(ctx, "c")
	if d != nil {
		t.Fatal(d)
	}
	defer release()
	if _, d := l.acquire(ctx, "c"); d == nil || d.kind != KindConcurrencyLimit {
		t.Fatalf("new limit not applied: %+v", d)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want int
	}{
		{"zero rounds up to one", 0, 1},
		{"fraction rounds up", 1500 * time.Millisecond, 2},
		{"whole seconds", 3 * time.Second, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryAfterSeconds(tt.in); got != tt.want {
				t.Errorf("retryAfterSeconds(%v) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
