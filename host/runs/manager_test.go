package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/store"
)

const wait = 5 * time.Second

// invokerFunc is a function-field Invoker.
type invokerFunc func(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error) {
	return f(ctx, p, plugin, action, input)
}

// echo returns its input, recording each call's run id.
type echo struct {
	mu    sync.Mutex
	calls []string
}

func (e *echo) Invoke(ctx context.Context, _ host.Principal, _, _ string, input []byte) ([]byte, error) {
	e.mu.Lock()
	e.calls = append(e.calls, host.RunID(ctx))
	e.mu.Unlock()
	return input, nil
}

func (e *echo) called() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.calls)
}

// httpSender POSTs callbacks with a plain client: in these tests the
// receivers are on loopback, which the server's egress guard would refuse.
type httpSender struct{}

func (httpSender) Send(ctx context.Context, url string, headers map[string]string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, nil
}

// receiver is a callback endpoint answering statuses in turn (then the
// last one), and keeping what it received.
type receiver struct {
	URL      string
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), body})
		status := rc.statuses[min(len(rc.got), len(rc.statuses))-1]
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/cb"
	return rc
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

var alice = host.Principal{ClientID: "client-a", Subject: "alice", Scopes: []string{"echo:call"}}

// start starts a Manager on db with fast retries; mod adjusts the config.
func start(t *testing.T, db *store.DB, inv Invoker, mod func(*Config)) *Manager {
	t.Helper()
	cfg := Config{
		Store: db.Runs(), Invoker: inv, Idempotency: NewIdempotency(db.Idempotency()),
		Sender: httpSender{}, WebhookKey: testServerKey, Workers: 2,
		Retry:  RetryPolicy{MaxAttempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond},
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

func submit(t *testing.T, m *Manager, req Request) Run {
	t.Helper()
	if req.Principal.ClientID == "" {
		req.Principal = alice
	}
	if req.Plugin == "" {
		req.Plugin, req.Action = "echo", "echo"
	}
	r, err := m.Submit(context.Background(), req)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return r
}

// waitFor polls run id (as alice) until ok accepts it, and returns it.
func waitFor(t *testing.T, m *Manager, id string, ok func(Run) bool) Run {
	t.Helper()
	var r Run
	checkFor(t, wait, time.Millisecond, func() error {
		var err error
		if r, err = m.Get(context.Background(), alice, id); err != nil {
			return err
		}
		if !ok(r) {
			return fmt.Errorf("run is %s, callback %+v", r.Status, r.Callback)
		}
		return nil
	})
	return r
}

func finished(r Run) bool  { return r.Status.Done() }
func delivered(r Run) bool { return r.Callback.State == runstore.DeliveryDelivered }
func settled(r Run) bool {
	return r.Status.Done() && r.Callback.State != runstore.DeliveryPending
}

func TestRunLifecycle(t *testing.T) {
	db := openDB(t)
	inv := &echo{}
	m := start(t, db, inv, nil)
	r := submit(t, m, Request{Input: []byte(`{"message":"hi"}`)})
	if r.Status != StatusQueued || r.ID == "" || r.CreatedAt.IsZero() {
		t.Fatalf("submitted run = %+v", r)
	}
	r = waitFor(t, m, r.ID, finished)
	v := ViewOf(r)
	if v.Status != StatusSucceeded || string(v.Output) != `{"message":"hi"}` || v.Error != nil {
		t.Errorf("view = %+v", v)
	}
	if r.StartedAt.Before(r.CreatedAt) || r.FinishedAt.Before(r.StartedAt) {
		t.Errorf("times out of order: %v %v %v", r.CreatedAt, r.StartedAt, r.FinishedAt)
	}
	if r.Input != nil {
		t.Error("the input was kept after the run finished")
	}
	if calls := inv.called(); !slices.Equal(calls, []string{r.ID}) {
		t.Errorf("invoker saw run ids %v, want [%s]", calls, r.ID)
	}
}

func TestRunFailures(t *testing.T) {
	cases := []struct {
		name      string
		invoke    invokerFunc
		kind, msg string
	}{
		{"timeout", func(context.Context, host.Principal, string, string, []byte) ([]byte, error) {
			return nil, fmt.Errorf("plugin/echo: %w", host.ErrTimeout)
		}, KindPluginTimeout, "the plugin ran past its timeout"},
		{"missing scope", func(context.Context, host.Principal, string, string, []byte) ([]byte, error) {
			return nil, &host.ScopeError{Missing: []string{"echo:call"}}
		}, KindInsufficientScope, "the token lacks scope echo:call"},
		{"internal error stays private", func(context.Context, host.Principal, string, string, []byte) ([]byte, error) {
			return nil, errors.New("open /var/lib/saa/x: permission denied")
		}, KindInternal, "internal error"},
		{"panic", func(context.Context, host.Principal, string, string, []byte) ([]byte, error) {
			panic("boom")
		}, KindInternal, "internal error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := start(t, openDB(t), c.invoke, nil)
			r := waitFor(t, m, submit(t, m, Request{}).ID, finished)
			if v := ViewOf(r); v.Status != StatusFailed || v.Error == nil || v.Error.Kind != c.kind || v.Error.Message != c.msg || v.Output != nil {
				t.Errorf("view = %+v (error %+v)", v, v.Error)
			}
		})
	}
}

func TestOnlyOwnClientReadsRun(t *testing.T) {
	m := start(t, openDB(t), &echo{}, nil)
	r := submit(t, m, Request{})
	cases := []struct {
		name string
		p    host.Principal
		id   string
		ok   bool
	}{
		{"owner", alice, r.ID, true},
		{"same client, other subject", host.Principal{ClientID: alice.ClientID, Subject: "bob"}, r.ID, true},
		{"other client", host.Principal{ClientID: "client-b", Subject: "alice"}, r.ID, false},
		{"unknown id", alice, "run_nope", false},
		{"empty id", alice, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := m.Get(context.Background(), c.p, c.id)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrNotFound)) {
				t.Errorf("get = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestCallbackSignedAndVerifiable(t *testing.T) {
	rc := newReceiver(t, http.StatusNoContent)
	m := start(t, openDB(t), &echo{}, nil)
	r := submit(t, m, Request{Input: []byte(`{"message":"hi"}`), CallbackURL: rc.URL})
	r = waitFor(t, m, r.ID, delivered)
	got := rc.received()
	if len(got) != 1 || r.Callback.Attempts != 1 || r.Callback.LastStatus != http.StatusNoContent {
		t.Fatalf("%d callbacks received, run callback %+v", len(got), r.Callback)
	}
	key := m.KeyFor(alice.ClientID)
	if err := Verify(key, got[0].header, got[0].body, time.Minute); err != nil {
		t.Errorf("verify with the client's key: %v", err)
	}
	if got[0].header.Get(HeaderID) != r.ID || got[0].header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", got[0].header)
	}
	tampered := bytes.Replace(got[0].body, []byte("hi"), []byte("ho"), 1)
	if err := Verify(key, got[0].header, tampered, time.Minute); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("verify of a tampered body: %v", err)
	}
	if err := Verify(m.KeyFor("client-b"), got[0].header, got[0].body, time.Minute); err == nil {
		t.Error("another client's key verified the callback")
	}
	var body View
	if err := json.Unmarshal(got[0].body, &body); err != nil || body.ID != r.ID || body.Status != StatusSucceeded ||
		string(body.Output) != `{"message":"hi"}` || body.Callback != nil {
		t.Errorf("callback body = %s (%v)", got[0].body, err)
	}
}

func TestCallbackRetries(t *testing.T) {
	cases := []struct {
		name     string
		statuses []int
		state    runstore.DeliveryState
		attempts int
	}{
		{"succeeds on the third attempt", []int{500, 503, 200}, runstore.DeliveryDelivered, 3},
		{"gives up after max attempts", []int{500}, runstore.DeliveryFailed, 4},
		{"stops at 410 Gone", []int{410}, runstore.DeliveryFailed, 1},
		{"stops at 400", []int{400}, runstore.DeliveryFailed, 1},
		{"stops at 401", []int{401}, runstore.DeliveryFailed, 1},
		{"stops at 403", []int{403}, runstore.DeliveryFailed, 1},
		{"stops at 404", []int{404}, runstore.DeliveryFailed, 1},
		{"stops at 422", []int{422}, runstore.DeliveryFailed, 1},
		{"retries 408 and 429", []int{408, 429, 204}, runstore.DeliveryDelivered, 3},
		{"stops at 404 after a 503", []int{503, 404}, runstore.DeliveryFailed, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rc := newReceiver(t, c.statuses...)
			m := start(t, openDB(t), &echo{}, nil)
			r := waitFor(t, m, submit(t, m, Request{CallbackURL: rc.URL}).ID, settled)
			if r.Callback.State != c.state || r.Callback.Attempts != c.attempts || len(rc.received()) != c.attempts {
				t.Errorf("callback = %+v after %d deliveries; want %s after %d", r.Callback, len(rc.received()), c.state, c.attempts)
			}
			if c.state == runstore.DeliveryDelivered && r.Callback.DeliveredAt.IsZero() {
				t.Error("no delivery time")
			}
			last := c.statuses[min(c.attempts, len(c.statuses))-1]
			refused := last >= 400 && last < 500 && last != 408 && last != 429
			if said := strings.Contains(r.Callback.LastError, "refused") && strings.Contains(r.Callback.LastError, "not retried"); said != refused {
				t.Errorf("last error %q; want it to say the receiver refused for good: %v", r.Callback.LastError, refused)
			}
		})
	}
}

func TestCallbackUnreachableRecordsError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/cb"
	srv.Close()
	m := start(t, openDB(t), &echo{}, func(c *Config) { c.Retry.MaxAttempts = 2 })
	r := waitFor(t, m, submit(t, m, Request{CallbackURL: url}).ID, settled)
	if r.Callback.State != runstore.DeliveryFailed || r.Callback.LastStatus != 0 || r.Callback.LastError == "" {
		t.Errorf("callback = %+v", r.Callback)
	}
}
