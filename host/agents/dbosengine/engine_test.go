package dbosengine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
	"github.com/secure-agent/saa/host/agents/dbosengine"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/internal/pgtest"
)

var webhookKey = []byte(strings.Repeat("w", runs.WebhookKeySize))

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is what engines of one test share: plugins, the GitHub stand-in,
// the fake model and the data dir, or the PostgreSQL database.
type world struct {
	rt    *host.Runtime
	gh    *agentstest.GitHub
	fake  *llmtest.Server
	dir   string
	dbURL string
	// executors, if set, lets the engines take over each other's runs.
	executors dbosengine.Executors
}

// TestEngine shares one runtime between its cases (compiling plugins is
// slow); each case has its own fake model, and its own data dir (SQLite)
// or database (PostgreSQL, skipped loudly where none is installed).
func TestEngine(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	rt := agentstest.Runtime(t, gh)
	for _, backend := range []string{"sqlite", "postgres"} {
		with := func(f func(*testing.T, *world)) func(*testing.T) {
			return func(t *testing.T) {
				w := &world{rt: rt, gh: gh, fake: llmtest.New(t, script()...), dir: t.TempDir()}
				if backend == "postgres" {
					c := pgtest.Get(t)
					name, _ := c.NewDatabase(t)
					w.dir, w.dbURL = "", c.DSN(name, pgtest.Superuser, "")
				}
				f(t, w)
			}
		}
		t.Run(backend, func(t *testing.T) {
			t.Run("approve, complete, signed callback", with(testApproveThenComplete))
			t.Run("a restart resumes without repeating steps", with(testRestartResumes))
			t.Run("cancel and refusals", with(testCancelAndRefusals))
			t.Run("idempotency keys and history", with(testIdempotencyAndHistory))
			t.Run("a workflow runs durably and resumes", with(testWorkflowResumes))
			t.Run("the model's text shows while it streams", with(testStreaming))
		})
	}
	onPostgres := func(f func(*testing.T, *world)) func(*testing.T) {
		return func(t *testing.T) {
			c := pgtest.Get(t)
			name, _ := c.NewDatabase(t)
			f(t, &world{rt: rt, gh: gh, fake: llmtest.New(t, script()...), dbURL: c.DSN(name, pgtest.Superuser, "")})
		}
	}
	t.Run("replicas on postgres", onPostgres(testReplicas))
	t.Run("a dead replica's runs are taken over", onPostgres(testTakeOver))
}

func TestConfigRefused(t *testing.T) {
	runner := &agents.Runner{}
	for name, cfg := range map[string]dbosengine.Config{
		"no database":         {Runner: runner},
		"not postgres":        {Runner: runner, DatabaseURL: "mysql://db/x"},
		"sqlite as a URL":     {Runner: runner, DatabaseURL: "sqlite:/tmp/x.db"},
		"executors on sqlite": {Runner: runner, DataDir: t.TempDir(), Executors: &pgstore.AgentExecutors{}},
	} {
		if _, err := dbosengine.New(context.Background(), cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// Two replicas on one PostgreSQL database: one starting never resumes a
// run the other holds (each recovers its own executor id's runs only), and
// a replica restarted under its id resumes its own.
func testReplicas(t *testing.T, w *world) {
	a := w.engineAs(t, "replica-a")
	v, err := a.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "triage", Input: "triage", Principal: principal}})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, a, v.ID, agents.StatusWaitingForApproval)
	b := w.engineAs(t, "replica-b")
	defer b.Shutdown(5 * time.Second)
	if got, err := b.Get(context.Background(), v.ID); err != nil || got.ClientID != "cli" || got.Status != agents.StatusQueued {
		t.Errorf("the other replica reads the run as %+v, %v; want it stored, not running there", got, err)
	}
	if n := len(w.fake.Requests()); n != 3 {
		t.Fatalf("a replica starting called the model for another's run: %d calls, want 3", n)
	}
	a.Shutdown(5 * time.Second)
	a = w.engineAs(t, "replica-a") // the same replica, restarted
	defer a.Shutdown(5 * time.Second)
	v = waitStatus(t, a, v.ID, agents.StatusWaitingForApproval)
	if err := a.Decide(context.Background(), v.ID, v.PendingApprovals[0].CallID, true, "", "admin"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, a, v.ID, agents.StatusSucceeded)
	if n := len(w.fake.Requests()); n != 4 {
		t.Errorf("%d model calls, want 4: each step once", n)
	}
}

// A replica dies with an agent run paused for approval and never comes
// back: another replica takes the run over, from its recorded steps (the
// model is not called again), and it completes there.
func testTakeOver(t *testing.T, w *world) {
	db, err := pgstore.Open(context.Background(), w.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w.executors = db.AgentExecutors()
	before := len(w.gh.Created())
	a := w.engineAs(t, "replica-a")
	v, err := a.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "triage", Input: "triage", Principal: principal}})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, a, v.ID, agents.StatusWaitingForApproval)
	a.Shutdown(5 * time.Second) // it beats no more
	b := w.engineAs(t, "replica-b")
	defer b.Shutdown(5 * time.Second)
	v = waitStatus(t, b, v.ID, agents.StatusWaitingForApproval)
	if n := len(w.fake.Requests()); n != 3 {
		t.Fatalf("the takeover called the model again: %d calls, want 3", n)
	}
	if err := b.Decide(context.Background(), v.ID, v.PendingApprovals[0].CallID, true, "", "admin"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, b, v.ID, agents.StatusSucceeded)
	if len(w.gh.Created()) != before+1 || len(w.fake.Requests()) != 4 {
		t.Errorf("issues %v, model calls %d; want each step once", w.gh.Created(), len(w.fake.Requests()))
	}
}

func (w *world) engine(t *testing.T) *dbosengine.Engine { return w.engineAs(t, "replica-1") }

// engineAs starts an engine under executor id.
func (w *world) engineAs(t *testing.T, id string) *dbosengine.Engine {
	t.Helper()
	e, err := dbosengine.New(context.Background(), dbosengine.Config{
		DataDir:         w.dir,
		DatabaseURL:     w.dbURL,
		ExecutorID:      id,
		Executors:       w.executors,
		ExecutorTimeout: time.Second,
		Runner:          &agents.Runner{Agents: agentstest.Agents(t), Models: agentstest.Model(t, w.fake), Invoker: w.rt},
		Sender:          httpapi.NewCallbackSender(egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})),
		WebhookKey:      webhookKey,
		Retry:           runs.RetryPolicy{MaxAttempts: 3, Base: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		Logger:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func checkFor(t *testing.T, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, e agents.Engine, id, status string) agents.RunView {
	t.Helper()
	var v agents.RunView
	checkFor(t, func() error {
		var err error
		v, err = e.Get(context.Background(), id)
		if err != nil {
			return err
		}
		if v.Status != status {
			return fmt.Errorf("run %s is %s, want %s", id, v.Status, status)
		}
		return nil
	})
	return v
}

func script() []llmtest.Turn {
	return []llmtest.Turn{
		{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "transfer_to_analyst", Arguments: `{}`}}},
		{ToolCalls: []llm.ToolCall{{ID: "c2", Name: "tickets-analyze", Arguments: `{"tickets":[{"id":1,"status":"open","priority":"urgent","created_at":"2026-01-01T00:00:00Z","title":"Login broken"}]}`}}},
		{ToolCalls: []llm.ToolCall{{ID: "c3", Name: "github-create_issue", Arguments: `{"owner":"acme","repo":"widgets","title":"Urgent: login broken"}`}}},
		{Content: "Filed 1 issue."},
	}
}

var principal = host.Principal{ClientID: "cli", Subject: "cli", Scopes: []string{"agents:triage", "agents:analyst", "tickets:analyze", "github:issues.write"}}

func testApproveThenComplete(t *testing.T, w *world) {
	got := make(chan *http.Request, 4)
	bodies := make(chan []byte, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer hook.Close()
	e := w.engine(t)
	defer e.Shutdown(5 * time.Second)
	before := len(w.gh.Created())

	v, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "triage", Input: "triage", Principal: principal}, CallbackURL: hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	v = waitStatus(t, e, v.ID, agents.StatusWaitingForApproval)
	if len(v.PendingApprovals) != 1 || v.PendingApprovals[0].Tool != "github-create_issue" || v.Agent != "analyst" {
		t.Fatalf("view = %+v", v)
	}
	if err := e.Decide(context.Background(), v.ID, v.PendingApprovals[0].CallID, true, "", "admin"); err != nil {
		t.Fatal(err)
	}
	v = waitStatus(t, e, v.ID, agents.StatusSucceeded)
	if v.Output != "Filed 1 issue." || v.Usage.Calls != 4 || len(w.gh.Created()) != before+1 {
		t.Fatalf("view = %+v, issues = %v", v, w.gh.Created())
	}
	select {
	case r := <-got:
		body := <-bodies
		if err := runs.Verify(runs.KeyFor(webhookKey, "cli"), r.Header, body, time.Minute); err != nil {
			t.Fatalf("callback signature: %v", err)
		}
		if !strings.Contains(string(body), `"status":"succeeded"`) || !strings.Contains(string(body), "Filed 1 issue.") {
			t.Fatalf("callback body = %s", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no callback")
	}
	if err := e.Decide(context.Background(), v.ID, "c3", true, "", "admin"); !errors.Is(err, agents.ErrNoPending) {
		t.Fatalf("a second decision = %v, want ErrNoPending", err)
	}
}

func testRestartResumes(t *testing.T, w *world) {
	before := len(w.gh.Created())
	e := w.engine(t)
	v, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "triage", Input: "triage", Principal: principal}})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, e, v.ID, agents.StatusWaitingForApproval)
	if n := len(w.fake.Requests()); n != 3 {
		t.Fatalf("%d model calls before the pause, want 3", n)
	}
	e.Shutdown(5 * time.Second)

	e2 := w.engine(t) // recovers the pending run
	defer e2.Shutdown(5 * time.Second)
	v = waitStatus(t, e2, v.ID, agents.StatusWaitingForApproval)
	if n := len(w.fake.Requests()); n != 3 {
		t.Fatalf("the recovery called the model again: %d calls", n)
	}
	if len(v.Steps) < 4 {
		t.Fatalf("the replay did not rebuild the steps: %+v", v.Steps)
	}
	if err := e2.Decide(context.Background(), v.ID, v.PendingApprovals[0].CallID, true, "", "admin"); err != nil {
		t.Fatal(err)
	}
	v = waitStatus(t, e2, v.ID, agents.StatusSucceeded)
	if len(w.gh.Created()) != before+1 || len(w.fake.Requests()) != 4 {
		t.Fatalf("issues %v, model calls %d", w.gh.Created(), len(w.fake.Requests()))
	}
}

func testCancelAndRefusals(t *testing.T, w *world) {
	e := w.engine(t)
	defer e.Shutdown(5 * time.Second)
	v, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "triage", Input: "x", Principal: principal}})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, e, v.ID, agents.StatusWaitingForApproval)
	if err := e.Cancel(context.Background(), v.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, e, v.ID, agents.StatusCanceled)
	if err := e.Cancel(context.Background(), v.ID); !errors.Is(err, agents.ErrFinished) {
		t.Fatalf("cancel twice = %v", err)
	}
	for _, id := range []string{"run_NOPE", "../x", ""} {
		if _, err := e.Get(context.Background(), id); !errors.Is(err, agents.ErrRunNotFound) {
			t.Errorf("Get(%q) = %v", id, err)
		}
	}
	if _, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "ghost", Principal: principal}}); !errors.Is(err, agents.ErrInvalid) {
		t.Fatalf("unknown agent = %v", err)
	}
}

func testIdempotencyAndHistory(t *testing.T, w *world) {
	e := w.engine(t)
	defer e.Shutdown(5 * time.Second)
	ctx := context.Background()
	start := func(p host.Principal, in, key string) (agents.RunView, error) {
		return e.Start(ctx, agents.StartRequest{Request: agents.Request{Agent: "triage", Input: in, Principal: p}, IdempotencyKey: key})
	}
	first, err := start(principal, "triage", "k1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := start(principal, "triage", "k1")
	if err != nil || again.ID != first.ID {
		t.Fatalf("same key and body: %v, %s want %s", err, again.ID, first.ID)
	}
	if _, err := start(principal, "another input", "k1"); !errors.Is(err, runs.ErrIdempotencyConflict) {
		t.Fatalf("same key, other body = %v, want ErrIdempotencyConflict", err)
	}
	if _, err := e.Start(ctx, agents.StartRequest{Request: agents.Request{Agent: "triage", Input: "triage", Principal: principal, Mode: agents.ModeContinuous}, IdempotencyKey: "k1"}); !errors.Is(err, runs.ErrIdempotencyConflict) {
		t.Fatalf("same key, other mode = %v, want ErrIdempotencyConflict", err)
	}
	waitStatus(t, e, first.ID, agents.StatusWaitingForApproval)
	// Keys are per client. This one may not run triage: its run fails at
	// once, without taking the fake model's turns.
	other := host.Principal{ClientID: "other", Subject: "other"}
	theirs, err := start(other, "another input", "k1")
	if err != nil || theirs.ID == first.ID {
		t.Fatalf("another client's key: %v, %s", err, theirs.ID)
	}
	if err := e.Cancel(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, e, first.ID, agents.StatusCanceled)
	second, err := start(principal, "triage", "")
	if err != nil {
		t.Fatal(err)
	}

	page, total, err := e.History(ctx, agents.HistoryFilter{ClientID: "cli", Limit: 10})
	if err != nil || total != 2 || len(page) != 2 || page[0].ID != second.ID || page[1].ID != first.ID {
		t.Fatalf("history of cli: %d %v %+v", total, err, page)
	}
	if page[1].Status != agents.StatusCanceled || page[1].ClientID != "cli" {
		t.Fatalf("the finished run is listed as %+v", page[1])
	}
	page, total, err = e.History(ctx, agents.HistoryFilter{ClientID: "cli", Offset: 1, Limit: 1})
	if err != nil || total != 2 || len(page) != 1 || page[0].ID != first.ID {
		t.Fatalf("second page of one: %d %v %+v", total, err, page)
	}
	if page, total, _ = e.History(ctx, agents.HistoryFilter{ClientID: "nobody"}); total != 0 || len(page) != 0 {
		t.Fatalf("a client with no runs lists %d", total)
	}
	if _, total, _ = e.History(ctx, agents.HistoryFilter{}); total != 3 {
		t.Fatalf("every client's runs: %d, want 3", total)
	}

	// Starts racing with one key and different bodies: one wins, every
	// other is refused, none is handed the winner's run.
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := start(other, fmt.Sprint("body ", i), "race")
			errs <- err
		}()
	}
	won := 0
	for range 8 {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, runs.ErrIdempotencyConflict):
			t.Fatalf("a racing start = %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d racing starts with one key won, want 1", won)
	}
}

// testWorkflowResumes runs the example workflow on the engine: its steps
// are journaled, a restart while its write waits for approval repeats none
// of them, and the approval then completes it.
func testWorkflowResumes(t *testing.T, w *world) {
	w.fake = llmtest.New(t, llmtest.Turn{Content: "One urgent ticket."})
	before := len(w.gh.Created())
	p := principal
	p.Scopes = append([]string{"agents:ticket_report"}, p.Scopes...)
	input := `{"owner":"acme","repo":"widgets","tickets":[{"id":1,"status":"open","priority":"urgent","created_at":"2026-01-01T00:00:00Z","title":"Login broken"}]}`
	e := w.engine(t)
	v, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "ticket_report", Input: input, Principal: p}})
	if err != nil {
		t.Fatal(err)
	}
	v = waitStatus(t, e, v.ID, agents.StatusWaitingForApproval)
	if len(v.PendingApprovals) != 1 || v.PendingApprovals[0].CallID != "issue" || v.PendingApprovals[0].Tool != "github-create_issue" {
		t.Fatalf("pending = %+v", v.PendingApprovals)
	}
	e.Shutdown(5 * time.Second)

	e2 := w.engine(t)
	defer e2.Shutdown(5 * time.Second)
	v = waitStatus(t, e2, v.ID, agents.StatusWaitingForApproval)
	if n := len(w.fake.Requests()); n != 1 {
		t.Fatalf("the recovery ran the agent step again: %d model calls", n)
	}
	if err := e2.Decide(context.Background(), v.ID, "issue", true, "", "admin"); err != nil {
		t.Fatal(err)
	}
	v = waitStatus(t, e2, v.ID, agents.StatusSucceeded)
	if len(w.gh.Created()) != before+1 || !strings.Contains(v.Output, `"filed":"then"`) || !strings.Contains(v.Output, "One urgent ticket.") {
		t.Fatalf("issues %v, output %s", w.gh.Created(), v.Output)
	}
}

// testStreaming: while the model writes, the run shows the text so far
// (for delta events); the step holding the whole answer comes after.
func testStreaming(t *testing.T, w *world) {
	const answer = "a streamed answer, four characters at a time"
	w.fake = llmtest.New(t, llmtest.Turn{Content: answer, ChunkDelay: 30 * time.Millisecond})
	e := w.engine(t)
	defer e.Shutdown(5 * time.Second)
	p := host.Principal{ClientID: "cli", Subject: "cli", Scopes: []string{"agents:reader", "echo:call"}}
	v, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "reader", Input: "x", Principal: p}})
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, func() error {
		v, err := e.Get(context.Background(), v.ID)
		if err != nil {
			return err
		}
		if st := v.Streaming; st == nil || st.Text == "" || st.Text == answer || len(v.Steps) != 0 || st.Agent != "reader" {
			return fmt.Errorf("not part way through: %+v, %d steps", st, len(v.Steps))
		}
		return nil
	})
	v = waitStatus(t, e, v.ID, agents.StatusSucceeded)
	if v.Output != answer || v.Streaming != nil || len(v.Steps) != 1 || !w.fake.Requests()[0].Stream {
		t.Fatalf("run = %+v", v)
	}
}
