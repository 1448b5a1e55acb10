package runs

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/runs/runstore"
)

// A process died with runs in every state; the next one takes them over.
func TestRecoveryAfterCrash(t *testing.T) {
	db := openDB(t)
	rc := newReceiver(t, http.StatusOK)
	created := time.Now().UTC().Add(-time.Minute)
	left := []Run{
		{ID: "run_queued", Status: StatusQueued, Input: []byte(`{"n":1}`)},
		{ID: "run_running", Status: StatusRunning, Input: []byte(`{"n":2}`), StartedAt: created,
			Callback: runstore.Callback{URL: rc.URL}},
		{ID: "run_pending", Status: StatusSucceeded, Output: []byte(`{"n":3}`), FinishedAt: created,
			Callback: runstore.Callback{URL: rc.URL, State: runstore.DeliveryPending, Attempts: 2, NextAttemptAt: created}},
	}
	for _, r := range left {
		r.ClientID, r.Subject, r.Plugin, r.Action, r.CreatedAt = alice.ClientID, alice.Subject, "echo", "echo", created
		if err := db.Runs().CreateRun(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}

	inv := &echo{}
	m := start(t, db, inv, nil)
	queued := waitFor(t, m, "run_queued", finished)
	if queued.Status != StatusSucceeded || string(queued.Output) != `{"n":1}` {
		t.Errorf("queued run = %+v", queued)
	}
	running := waitFor(t, m, "run_running", delivered)
	if running.Status != StatusFailed || running.ErrorKind != KindInterrupted || running.Input != nil {
		t.Errorf("running run = %+v", running)
	}
	pending := waitFor(t, m, "run_pending", delivered)
	if pending.Callback.Attempts != 3 {
		t.Errorf("pending callback attempts = %d, want 3 (2 before the crash)", pending.Callback.Attempts)
	}
	if calls := inv.called(); len(calls) != 1 || calls[0] != "run_queued" {
		t.Errorf("invoked %v; only the queued run may run (never the interrupted one)", calls)
	}
	if n := len(rc.received()); n != 2 {
		t.Errorf("receiver got %d callbacks, want 2", n)
	}
}

// blocker is an Invoker whose calls wait for release or their context.
type blocker struct {
	started chan string
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{started: make(chan string, 10), release: make(chan struct{})}
}

func (b *blocker) Invoke(ctx context.Context, _ host.Principal, _, _ string, input []byte) ([]byte, error) {
	b.started <- host.RunID(ctx)
	select {
	case <-b.release:
		return input, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestShutdownDrainsRunsInFlight(t *testing.T) {
	db := openDB(t)
	b := newBlocker()
	m := start(t, db, b, func(c *Config) { c.Workers = 1 })
	first := submit(t, m, Request{Input: []byte(`{}`)})
	<-b.started
	second := submit(t, m, Request{Input: []byte(`{}`)})

	done := make(chan error, 1)
	go func() { done <- m.Shutdown(context.Background()) }()
	checkFor(t, wait, time.Millisecond, func() error {
		if _, err := m.Submit(context.Background(), Request{Principal: alice, Plugin: "echo", Action: "echo"}); !errors.Is(err, ErrNotRunning) {
			return errors.New("still accepting runs")
		}
		return nil
	})
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a run was in flight", err)
	default:
	}
	close(b.release)
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for id, want := range map[string]Status{first.ID: StatusSucceeded, second.ID: StatusQueued} {
		if r, err := db.Runs().GetRun(context.Background(), id); err != nil || r.Status != want {
			t.Errorf("%s: %s, %v; want %s", id, r.Status, err, want)
		}
	}
}

func TestShutdownDeadlineInterruptsRuns(t *testing.T) {
	db := openDB(t)
	b := newBlocker()
	m := start(t, db, b, nil)
	r := submit(t, m, Request{})
	<-b.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("shutdown = %v, want context.Canceled", err)
	}
	got, err := db.Runs().GetRun(context.Background(), r.ID)
	if err != nil || got.Status != StatusFailed || got.ErrorKind != KindInterrupted {
		t.Errorf("run = %+v, %v; want failed as interrupted", got, err)
	}
}

func TestSubmitRefuses(t *testing.T) {
	db := openDB(t)
	m := start(t, db, &echo{}, nil)
	noCallbacks := start(t, openDB(t), &echo{}, func(c *Config) { c.Sender, c.Idempotency = nil, nil })
	notStarted, err := New(Config{Store: db.Runs(), Invoker: &echo{}})
	if err != nil {
		t.Fatal(err)
	}
	ok := Request{Principal: alice, Plugin: "echo", Action: "echo"}
	with := func(mod func(*Request)) Request { r := ok; mod(&r); return r }
	cases := []struct {
		name string
		m    *Manager
		req  Request
		want error
	}{
		{"no plugin", m, with(func(r *Request) { r.Plugin = "" }), ErrInvalidRequest},
		{"no client", m, with(func(r *Request) { r.Principal = host.Principal{} }), ErrInvalidRequest},
		{"malformed id", m, with(func(r *Request) { r.ID = "../x" }), ErrInvalidRequest},
		{"bad callback", m, with(func(r *Request) { r.CallbackURL = "ftp://x/" }), ErrInvalidCallback},
		{"bad idempotency key", m, with(func(r *Request) { r.IdempotencyKey = "\x01" }), ErrInvalidKey},
		{"callbacks disabled", noCallbacks, with(func(r *Request) { r.CallbackURL = "https://h.example/" }), ErrCallbacksDisabled},
		{"idempotency disabled", noCallbacks, with(func(r *Request) { r.IdempotencyKey = "k" }), ErrIdempotencyDisabled},
		{"not started", notStarted, ok, ErrNotRunning},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.m.Submit(context.Background(), c.req); !errors.Is(err, c.want) {
				t.Errorf("submit = %v, want %v", err, c.want)
			}
		})
	}
	taken := submit(t, m, Request{ID: "run_mine"})
	if _, err := m.Submit(context.Background(), with(func(r *Request) { r.ID = taken.ID })); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("submit with a taken id = %v", err)
	}
}

func TestQueueFull(t *testing.T) {
	b := newBlocker()
	m := start(t, openDB(t), b, func(c *Config) { c.Workers, c.MaxQueued = 1, 1 })
	submit(t, m, Request{})
	<-b.started
	submit(t, m, Request{})
	if _, err := m.Submit(context.Background(), Request{Principal: alice, Plugin: "echo", Action: "echo"}); !errors.Is(err, ErrQueueFull) {
		t.Errorf("third submit = %v, want ErrQueueFull", err)
	}
	close(b.release)
}

func TestIdempotentSubmit(t *testing.T) {
	inv := &echo{}
	m := start(t, openDB(t), inv, nil)
	req := Request{Input: []byte(`{"n":1}`), IdempotencyKey: "order-42"}
	first := submit(t, m, req)
	waitFor(t, m, first.ID, finished)
	again := submit(t, m, req)
	if again.ID != first.ID || again.Status != StatusSucceeded {
		t.Errorf("retry gave run %s (%s), want the first %s, finished", again.ID, again.Status, first.ID)
	}
	changed := req
	changed.Input = []byte(`{"n":2}`)
	if _, err := m.Submit(context.Background(), Request{Principal: alice, Plugin: "echo", Action: "echo",
		Input: changed.Input, IdempotencyKey: req.IdempotencyKey}); !errors.Is(err, ErrIdempotencyConflict) {
		t.Errorf("same key, other input: err = %v, want ErrIdempotencyConflict", err)
	}
	other := submit(t, m, Request{Principal: host.Principal{ClientID: "client-b"}, Input: req.Input, IdempotencyKey: req.IdempotencyKey})
	if other.ID == first.ID {
		t.Error("another client's key returned the first client's run")
	}
	if n := len(inv.called()); n > 2 {
		t.Errorf("invoked %d times, want at most 2", n)
	}
}

// The first Submit claimed the key and died before storing its run: the
// retry creates the run under the claimed id.
func TestIdempotentSubmitAfterLostRun(t *testing.T) {
	db := openDB(t)
	m := start(t, db, &echo{}, nil)
	req := Request{Principal: alice, Plugin: "echo", Action: "echo", Input: []byte(`{}`), IdempotencyKey: "k"}
	if _, err := m.cfg.Idempotency.claimRun(context.Background(), &req, "run_lost"); err != nil {
		t.Fatal(err)
	}
	r := submit(t, m, req)
	if r.ID != "run_lost" {
		t.Fatalf("run id = %s, want run_lost", r.ID)
	}
	waitFor(t, m, r.ID, finished)
}

func TestOldRunsPurgedAtStart(t *testing.T) {
	db := openDB(t)
	old := Run{ID: "run_old", ClientID: alice.ClientID, Status: StatusSucceeded, CreatedAt: time.Now().Add(-8 * 24 * time.Hour)}
	if err := db.Runs().CreateRun(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	m := start(t, db, &echo{}, nil)
	checkFor(t, wait, time.Millisecond, func() error {
		if _, err := m.Get(context.Background(), alice, old.ID); !errors.Is(err, ErrNotFound) {
			return errors.New("old run still there")
		}
		return nil
	})
}
