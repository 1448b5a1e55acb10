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
	"github.com/secure-agent/saa/host/runs"
)

var webhookKey = []byte(strings.Repeat("w", runs.WebhookKeySize))

// world is what engines of one test share: plugins, the GitHub stand-in,
// the fake model and the data dir.
type world struct {
	rt   *host.Runtime
	gh   *agentstest.GitHub
	fake *llmtest.Server
	dir  string
}

// TestEngine shares one runtime between its cases (compiling plugins is
// slow); each case has its own fake model and data dir.
func TestEngine(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	base := &world{gh: gh, rt: agentstest.Runtime(t, gh)}
	with := func(f func(*testing.T, *world)) func(*testing.T) {
		return func(t *testing.T) {
			f(t, &world{rt: base.rt, gh: gh, fake: llmtest.New(t, script()...), dir: t.TempDir()})
		}
	}
	t.Run("approve, complete, signed callback", with(testApproveThenComplete))
	t.Run("a restart resumes without repeating steps", with(testRestartResumes))
	t.Run("cancel and refusals", with(testCancelAndRefusals))
	t.Run("a workflow runs durably and resumes", with(testWorkflowResumes))
	t.Run("the model's text shows while it streams", with(testStreaming))
}

func (w *world) engine(t *testing.T) *dbosengine.Engine {
	t.Helper()
	e, err := dbosengine.New(context.Background(), dbosengine.Config{
		DataDir:    w.dir,
		Runner:     &agents.Runner{Agents: agentstest.Agents(t), Models: agentstest.Model(t, w.fake), Invoker: w.rt},
		Sender:     httpapi.NewCallbackSender(egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})),
		WebhookKey: webhookKey,
		Retry:      runs.RetryPolicy{MaxAttempts: 3, Base: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		Logger:     slog.New(slog.DiscardHandler),
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
