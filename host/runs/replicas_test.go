package runs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// pgReplicas opens n pools on one new PostgreSQL database, as n replicas
// would, and returns them with a superuser connection to the database.
func pgReplicas(t *testing.T, n int) ([]*pgstore.DB, *sql.DB) {
	t.Helper()
	c := pgtest.Get(t)
	name, admin := c.NewDatabase(t)
	dbs := make([]*pgstore.DB, n)
	for i := range dbs {
		db, err := pgstore.Open(context.Background(), c.DSN(name, pgtest.Superuser, ""))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs, admin
}

// startReplica starts a Manager on db, as one replica would.
func startReplica(t *testing.T, db *pgstore.DB, inv Invoker, mod func(*Config)) *Manager {
	t.Helper()
	cfg := Config{
		Store: db.Runs(), Invoker: inv, Idempotency: NewIdempotency(db.Idempotency()),
		Sender: httpSender{}, WebhookKey: testServerKey, Workers: 2, LeaseTTL: time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m
}

// Runs submitted on either of two replicas each execute exactly once,
// on one of them.
func TestReplicasRunEachRunOnce(t *testing.T) {
	dbs, _ := pgReplicas(t, 2)
	invs := []*echo{{}, {}}
	ms := []*Manager{startReplica(t, dbs[0], invs[0], nil), startReplica(t, dbs[1], invs[1], nil)}
	var ids []string
	for i := range 30 {
		ids = append(ids, submit(t, ms[i%2], Request{Input: fmt.Appendf(nil, `{"n":%d}`, i)}).ID)
	}
	for i, id := range ids {
		if r := waitFor(t, ms[(i+1)%2], id, finished); r.Status != StatusSucceeded {
			t.Errorf("%s: %s %s", id, r.Status, r.ErrorMessage)
		}
	}
	calls := map[string]int{}
	for _, inv := range invs {
		for _, id := range inv.called() {
			calls[id]++
		}
	}
	for _, id := range ids {
		if calls[id] != 1 {
			t.Errorf("%s invoked %d times, want once", id, calls[id])
		}
	}
	if len(calls) != len(ids) {
		t.Errorf("%d runs invoked, want %d", len(calls), len(ids))
	}
}

// A replica stops renewing its lease (it died): another replica fails the
// run it was executing as interrupted, never runs it again, and runs what
// it left queued; a result the first replica records late is dropped.
func TestReplicaDeathTakenOver(t *testing.T) {
	dbs, admin := pgReplicas(t, 2)
	slow := newBlocker()
	a := startReplica(t, dbs[0], slow, func(c *Config) { c.Workers, c.LeaseTTL = 1, time.Hour })
	running := submit(t, a, Request{Input: []byte(`{}`)})
	<-slow.started
	queued := submit(t, a, Request{Input: []byte(`{}`)})
	// The lease of a replica that died runs out: a's is made to.
	if _, err := admin.Exec(`UPDATE runs SET lease_until_ns = 0 WHERE id = $1`, running.ID); err != nil {
		t.Fatal(err)
	}
	inv := &echo{}
	b := startReplica(t, dbs[1], inv, nil)
	if r := waitFor(t, b, running.ID, finished); r.Status != StatusFailed || r.ErrorKind != KindInterrupted {
		t.Errorf("the dead replica's run = %s %s, want failed as interrupted", r.Status, r.ErrorKind)
	}
	if r := waitFor(t, b, queued.ID, finished); r.Status != StatusSucceeded {
		t.Errorf("the dead replica's queued run = %s %s", r.Status, r.ErrorMessage)
	}
	if calls := inv.called(); len(calls) != 1 || calls[0] != queued.ID {
		t.Errorf("the other replica invoked %v, want only the queued run", calls)
	}
	close(slow.release)
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Get(context.Background(), alice, running.ID); r.ErrorKind != KindInterrupted {
		t.Errorf("a late result overwrote the takeover: %s %s", r.Status, r.ErrorKind)
	}
}

// A replica restarting does not take the runs live replicas are executing.
func TestReplicaStartLeavesLiveRuns(t *testing.T) {
	dbs, _ := pgReplicas(t, 2)
	slow := newBlocker()
	a := startReplica(t, dbs[0], slow, func(c *Config) { c.Workers = 1 })
	r := submit(t, a, Request{Input: []byte(`{}`)})
	<-slow.started
	b := startReplica(t, dbs[1], &echo{}, nil)
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	b = startReplica(t, dbs[1], &echo{}, nil)
	close(slow.release)
	if got := waitFor(t, b, r.ID, finished); got.Status != StatusSucceeded {
		t.Errorf("a live replica's run = %s %s after another replica started", got.Status, got.ErrorKind)
	}
}

// A synchronous call in flight on one replica is in flight for every
// replica, not interrupted, and its answer is replayed everywhere.
func TestIdempotentCallAcrossReplicas(t *testing.T) {
	dbs, _ := pgReplicas(t, 2)
	ctx := context.Background()
	a, b := NewIdempotency(dbs[0].Idempotency()), NewIdempotency(dbs[1].Idempotency())
	if prior, err := a.Begin(ctx, "c", "k", "echo", "echo", []byte(`{}`)); prior != nil || err != nil {
		t.Fatalf("first Begin = %v, %v", prior, err)
	}
	if _, err := b.Begin(ctx, "c", "k", "echo", "echo", []byte(`{}`)); !errors.Is(err, ErrInFlight) {
		t.Fatalf("Begin on another replica while in flight = %v, want ErrInFlight", err)
	}
	resp := Response{Status: 200, Body: []byte(`{"ok":1}`)}
	if err := a.Complete(ctx, "c", "k", resp); err != nil {
		t.Fatal(err)
	}
	if prior, err := b.Begin(ctx, "c", "k", "echo", "echo", []byte(`{}`)); err != nil || prior == nil || string(prior.Body) != `{"ok":1}` {
		t.Errorf("replay on another replica = %+v, %v", prior, err)
	}
	if _, err := b.Begin(ctx, "c", "k", "echo", "echo", []byte(`{"x":1}`)); !errors.Is(err, ErrIdempotencyConflict) {
		t.Errorf("same key, other input = %v, want ErrIdempotencyConflict", err)
	}
}

// A replica shutting down keeps renewing the lease of a run it drains, so
// no other replica takes the run for dead meanwhile.
func TestReplicaDrainKeepsItsLease(t *testing.T) {
	dbs, _ := pgReplicas(t, 2)
	slow := newBlocker()
	ttl := func(c *Config) { c.Workers, c.LeaseTTL = 1, 300*time.Millisecond }
	a := startReplica(t, dbs[0], slow, ttl)
	r := submit(t, a, Request{Input: []byte(`{}`)})
	<-slow.started
	done := make(chan error, 1)
	go func() { done <- a.Shutdown(context.Background()) }()
	b := startReplica(t, dbs[1], &echo{}, ttl)
	// Several lease lengths pass while a drains; b's takeover runs meanwhile.
	deadline := time.Now().Add(5 * 300 * time.Millisecond)
	checkFor(t, wait, 50*time.Millisecond, func() error {
		if got, err := b.Get(context.Background(), alice, r.ID); err != nil || got.Status != StatusRunning {
			t.Fatalf("while draining: %s %s, %v; want still running", got.Status, got.ErrorKind, err)
		}
		if time.Now().Before(deadline) {
			return errors.New("draining")
		}
		return nil
	})
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := waitFor(t, b, r.ID, finished); got.Status != StatusSucceeded {
		t.Errorf("the drained run = %s %s, want succeeded", got.Status, got.ErrorKind)
	}
}
