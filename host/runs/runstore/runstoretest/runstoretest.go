// Package runstoretest is the conformance suite for runstore backends: every
// implementation runs TestStore and TestIdempotencyStore against real
// instances (host/store runs them on bbolt files in t.TempDir()). It is test
// support only and must never be imported by production code.
package runstoretest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// base is a fixed instant with nanoseconds, to catch backends that lose
// precision.
var base = time.Date(2030, 1, 2, 3, 4, 5, 6_789, time.UTC)

// TestStore checks that the stores newStore returns behave as
// runstore.Store says. newStore must return an empty store each time.
func TestStore(t *testing.T, newStore func(t *testing.T) runstore.Store) {
	t.Helper()
	t.Run("create and get", func(t *testing.T) { testCreateGet(t, newStore(t)) })
	t.Run("missing runs", func(t *testing.T) { testMissing(t, newStore(t)) })
	t.Run("update", func(t *testing.T) { testUpdate(t, newStore(t)) })
	t.Run("concurrent updates", func(t *testing.T) { testConcurrentUpdates(t, newStore(t)) })
	t.Run("active runs", func(t *testing.T) { testActive(t, newStore(t)) })
	t.Run("purge", func(t *testing.T) { testPurge(t, newStore(t)) })
	t.Run("usage", func(t *testing.T) { testRunUsage(t, newStore(t)) })
}

// Sample returns a queued run with every field set that a queued run has.
func Sample(id string) runstore.Run {
	return runstore.Run{
		ID: id, ClientID: "client-a", Subject: "user-1", Scopes: []string{"echo:call"},
		Plugin: "echo", Action: "echo", Input: []byte(`{"message":"hi"}`),
		Status: runstore.StatusQueued, CreatedAt: base,
		Callback: runstore.Callback{URL: "https://hooks.example/saa"},
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testCreateGet(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	full := Sample("run-full")
	full.Status, full.Output, full.ErrorKind, full.ErrorMessage = runstore.StatusFailed, []byte(`{}`), "plugin-failed", "boom"
	full.StartedAt, full.FinishedAt = base.Add(time.Second), base.Add(2*time.Second)
	full.Actors = []string{"client-root", "client-a"}
	full.Callback = runstore.Callback{URL: "https://h.example", State: runstore.DeliveryPending, Attempts: 2,
		NextAttemptAt: base.Add(time.Minute), LastStatus: 503, LastError: "status 503", DeliveredAt: base}
	for _, r := range []runstore.Run{Sample("run-1"), full, {ID: "run-bare", Status: runstore.StatusQueued, CreatedAt: base}} {
		must(t, s.CreateRun(ctx, r), "create "+r.ID)
		got, err := s.GetRun(ctx, r.ID)
		must(t, err, "get "+r.ID)
		if d := diff(got, r); d != "" {
			t.Errorf("%s: got back %s", r.ID, d)
		}
	}
	if err := s.CreateRun(ctx, Sample("run-1")); !errors.Is(err, runstore.ErrExists) {
		t.Errorf("create of a taken id: err = %v, want ErrExists", err)
	}
}

func testMissing(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	if _, err := s.GetRun(ctx, "nope"); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("get: err = %v, want ErrNotFound", err)
	}
	if _, err := s.GetRun(ctx, ""); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("get empty id: err = %v, want ErrNotFound", err)
	}
	_, err := s.UpdateRun(ctx, "nope", func(*runstore.Run) error { return nil })
	if !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("update: err = %v, want ErrNotFound", err)
	}
	if err := s.CreateRun(ctx, runstore.Run{}); err == nil {
		t.Error("create with an empty id succeeded")
	}
}

func testUpdate(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	must(t, s.CreateRun(ctx, Sample("run-1")), "create")
	got, err := s.UpdateRun(ctx, "run-1", func(r *runstore.Run) error {
		r.Status, r.StartedAt = runstore.StatusRunning, base.Add(time.Second)
		return nil
	})
	must(t, err, "update")
	if stored, _ := s.GetRun(ctx, "run-1"); stored.Status != runstore.StatusRunning || diff(stored, got) != "" {
		t.Errorf("after update: returned %+v, stored %+v", got, stored)
	}
	refuse := errors.New("refused")
	_, err = s.UpdateRun(ctx, "run-1", func(r *runstore.Run) error {
		r.Status = runstore.StatusFailed
		return refuse
	})
	if !errors.Is(err, refuse) {
		t.Errorf("update whose fn fails: err = %v, want fn's", err)
	}
	_, err = s.UpdateRun(ctx, "run-1", func(r *runstore.Run) error { r.ID = "other"; return nil })
	if err == nil {
		t.Error("update that changes the id succeeded")
	}
	if stored, _ := s.GetRun(ctx, "run-1"); stored.Status != runstore.StatusRunning {
		t.Errorf("a failed update was stored: status %s", stored.Status)
	}
}

func testConcurrentUpdates(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	must(t, s.CreateRun(ctx, Sample("run-1")), "create")
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.UpdateRun(ctx, "run-1", func(r *runstore.Run) error { r.Callback.Attempts++; return nil })
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := s.GetRun(ctx, "run-1"); got.Callback.Attempts != n {
		t.Errorf("attempts = %d, want %d: updates were lost", got.Callback.Attempts, n)
	}
}

// variant returns Sample(id) created at offset with status and delivery state.
func variant(id string, offset time.Duration, st runstore.Status, d runstore.DeliveryState) runstore.Run {
	r := Sample(id)
	r.CreatedAt, r.Status, r.Callback.State = base.Add(offset), st, d
	if d == runstore.DeliveryNone {
		r.Callback = runstore.Callback{}
	}
	return r
}

func testActive(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	for _, r := range []runstore.Run{
		variant("queued", 3*time.Second, runstore.StatusQueued, runstore.DeliveryNone),
		variant("running", 1*time.Second, runstore.StatusRunning, runstore.DeliveryNone),
		variant("pending-callback", 2*time.Second, runstore.StatusSucceeded, runstore.DeliveryPending),
		variant("done", 0, runstore.StatusSucceeded, runstore.DeliveryNone),
		variant("delivered", 0, runstore.StatusFailed, runstore.DeliveryDelivered),
		variant("undeliverable", 0, runstore.StatusFailed, runstore.DeliveryFailed),
	} {
		must(t, s.CreateRun(ctx, r), "create "+r.ID)
	}
	wantActive(t, s, "running", "pending-callback", "queued")

	_, err := s.UpdateRun(ctx, "running", func(r *runstore.Run) error { r.Status = runstore.StatusSucceeded; return nil })
	must(t, err, "finish")
	_, err = s.UpdateRun(ctx, "done", func(r *runstore.Run) error { r.Callback.State = runstore.DeliveryPending; return nil })
	must(t, err, "reactivate")
	wantActive(t, s, "done", "pending-callback", "queued")
}

func wantActive(t *testing.T, s runstore.Store, ids ...string) {
	t.Helper()
	runs, err := s.ActiveRuns(context.Background())
	must(t, err, "active runs")
	var got []string
	for _, r := range runs {
		got = append(got, r.ID)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("active = %v, want %v (oldest first)", got, ids)
	}
}

func testPurge(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	for _, r := range []runstore.Run{
		variant("old-done", 0, runstore.StatusSucceeded, runstore.DeliveryNone),
		variant("old-failed", time.Second, runstore.StatusFailed, runstore.DeliveryDelivered),
		variant("old-pending", 2*time.Second, runstore.StatusSucceeded, runstore.DeliveryPending),
		variant("old-queued", 3*time.Second, runstore.StatusQueued, runstore.DeliveryNone),
		variant("at-cutoff", time.Hour, runstore.StatusSucceeded, runstore.DeliveryNone),
		variant("new-done", 2*time.Hour, runstore.StatusSucceeded, runstore.DeliveryNone),
	} {
		must(t, s.CreateRun(ctx, r), "create "+r.ID)
	}
	n, err := s.PurgeRuns(ctx, base.Add(time.Hour))
	must(t, err, "purge")
	if n != 2 {
		t.Errorf("purged %d runs, want 2", n)
	}
	for id, kept := range map[string]bool{
		"old-done": false, "old-failed": false, "old-pending": true, "old-queued": true, "at-cutoff": true, "new-done": true,
	} {
		_, err := s.GetRun(ctx, id)
		if gone := errors.Is(err, runstore.ErrNotFound); gone == kept {
			t.Errorf("%s: kept = %v, want %v (err %v)", id, !gone, kept, err)
		}
	}
	if n, err := s.PurgeRuns(ctx, base.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("second purge = %d, %v; want nothing", n, err)
	}
}

// diff describes how a and b differ, comparing times as instants and empty
// slices as nil.
func diff(a, b runstore.Run) string {
	for _, p := range [][2]*time.Time{{&a.CreatedAt, &b.CreatedAt}, {&a.StartedAt, &b.StartedAt},
		{&a.FinishedAt, &b.FinishedAt}, {&a.Callback.NextAttemptAt, &b.Callback.NextAttemptAt},
		{&a.Callback.DeliveredAt, &b.Callback.DeliveredAt}} {
		if !p[0].Equal(*p[1]) {
			return fmt.Sprintf("time %v != %v", *p[0], *p[1])
		}
		*p[0], *p[1] = time.Time{}, time.Time{}
	}
	for _, r := range []*runstore.Run{&a, &b} {
		if len(r.Scopes) == 0 {
			r.Scopes = nil
		}
		if len(r.Actors) == 0 {
			r.Actors = nil
		}
		if len(r.Input) == 0 {
			r.Input = nil
		}
		if len(r.Output) == 0 {
			r.Output = nil
		}
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%+v != %+v", a, b)
	}
	return ""
}
