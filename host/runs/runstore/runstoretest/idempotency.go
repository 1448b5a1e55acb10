package runstoretest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// TestIdempotencyStore checks that the stores newStore returns behave as
// runstore.IdempotencyStore says. newStore must return an empty store.
func TestIdempotencyStore(t *testing.T, newStore func(t *testing.T) runstore.IdempotencyStore) {
	t.Helper()
	t.Run("claim", func(t *testing.T) { testClaim(t, newStore(t)) })
	t.Run("concurrent claims", func(t *testing.T) { testConcurrentClaims(t, newStore(t)) })
	t.Run("update", func(t *testing.T) { testUpdateIdem(t, newStore(t)) })
	t.Run("delete", func(t *testing.T) { testDeleteIdem(t, newStore(t)) })
	t.Run("purge", func(t *testing.T) { testPurgeIdem(t, newStore(t)) })
	t.Run("usage", func(t *testing.T) { testIdemUsage(t, newStore(t)) })
}

func record(client, key, hash string, expires time.Time) runstore.IdempotencyRecord {
	return runstore.IdempotencyRecord{ClientID: client, Key: key, RequestHash: hash, Owner: "proc-1",
		CreatedAt: base, ExpiresAt: expires}
}

func claim(t *testing.T, s runstore.IdempotencyStore, r runstore.IdempotencyRecord, now time.Time) (runstore.IdempotencyRecord, bool) {
	t.Helper()
	got, ok, err := s.ClaimIdempotency(context.Background(), r, now)
	must(t, err, "claim")
	return got, ok
}

func testClaim(t *testing.T, s runstore.IdempotencyStore) {
	expires := base.Add(time.Hour)
	cases := []struct {
		name     string
		rec      runstore.IdempotencyRecord
		now      time.Time
		claimed  bool
		wantHash string
	}{
		{"first claim", record("a", "k1", "h1", expires), base, true, "h1"},
		{"same key again", record("a", "k1", "h2", expires), base, false, "h1"},
		{"other client", record("b", "k1", "h3", expires), base, true, "h3"},
		{"other key", record("a", "k2", "h4", expires), base, true, "h4"},
		{"at expiry", record("a", "k1", "h5", expires.Add(time.Hour)), expires, true, "h5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := claim(t, s, c.rec, c.now)
			if ok != c.claimed || got.RequestHash != c.wantHash {
				t.Errorf("claim = %q, %v; want %q, %v", got.RequestHash, ok, c.wantHash, c.claimed)
			}
		})
	}
}

func testConcurrentClaims(t *testing.T, s runstore.IdempotencyStore) {
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, ok, err := s.ClaimIdempotency(context.Background(), record("a", "k", "h", base.Add(time.Hour)), base)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d claims won, want exactly 1", wins.Load())
	}
}

func testUpdateIdem(t *testing.T, s runstore.IdempotencyStore) {
	ctx := context.Background()
	claim(t, s, record("a", "k", "h", base.Add(time.Hour)), base)
	resp := runstore.Response{Status: 200, ContentType: "application/json", Body: []byte(`{"ok":true}`)}
	got, err := s.UpdateIdempotency(ctx, "a", "k", func(r *runstore.IdempotencyRecord) error {
		r.Done, r.Owner, r.Response = true, "", resp
		return nil
	})
	must(t, err, "update")
	again, ok := claim(t, s, record("a", "k", "other", base.Add(time.Hour)), base)
	if ok || !again.Done || again.Response.Status != 200 || string(again.Response.Body) != `{"ok":true}` || !got.Done {
		t.Errorf("after update, claim = %+v, %v", again, ok)
	}
	_, err = s.UpdateIdempotency(ctx, "a", "missing", func(*runstore.IdempotencyRecord) error { return nil })
	if !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("update of a missing record: err = %v, want ErrNotFound", err)
	}
	refuse := errors.New("refused")
	_, err = s.UpdateIdempotency(ctx, "a", "k", func(r *runstore.IdempotencyRecord) error { r.Done = false; return refuse })
	if again, _ := claim(t, s, record("a", "k", "x", base.Add(time.Hour)), base); !errors.Is(err, refuse) || !again.Done {
		t.Errorf("update whose fn fails: err = %v, stored done = %v", err, again.Done)
	}
}

func testDeleteIdem(t *testing.T, s runstore.IdempotencyStore) {
	ctx := context.Background()
	claim(t, s, record("a", "k", "h1", base.Add(time.Hour)), base)
	must(t, s.DeleteIdempotency(ctx, "a", "k"), "delete")
	must(t, s.DeleteIdempotency(ctx, "a", "k"), "delete again")
	if got, ok := claim(t, s, record("a", "k", "h2", base.Add(time.Hour)), base); !ok || got.RequestHash != "h2" {
		t.Errorf("claim after delete = %+v, %v", got, ok)
	}
}

func testPurgeIdem(t *testing.T, s runstore.IdempotencyStore) {
	ctx := context.Background()
	claim(t, s, record("a", "old", "h", base), base.Add(-time.Hour))
	claim(t, s, record("a", "edge", "h", base.Add(time.Minute)), base.Add(-time.Hour))
	claim(t, s, record("a", "new", "h", base.Add(time.Hour)), base.Add(-time.Hour))
	n, err := s.PurgeIdempotency(ctx, base.Add(time.Minute))
	must(t, err, "purge")
	if n != 2 {
		t.Errorf("purged %d, want 2", n)
	}
	// A purged key is free again even for a clock that has not reached its expiry.
	if _, ok := claim(t, s, record("a", "old", "h2", base.Add(time.Hour)), base.Add(-time.Hour)); !ok {
		t.Error("a purged key is still held")
	}
	if _, ok := claim(t, s, record("a", "new", "h2", base.Add(2*time.Hour)), base); ok {
		t.Error("an unexpired key was purged")
	}
}
