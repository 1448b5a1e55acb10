package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
	"github.com/secure-agent/saa/host/agents/dbosengine"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/plugintest"
)

// hostileArgs are arguments a model might write: the page must show them
// as text, never as markup.
const hostileArgs = `{"message":"<script>alert(1)</script><b>bold</b>"}`

// runsFixture is the UI over a real agent engine (DBOS on SQLite) whose
// helper agent pauses every call (approval: all), fed by a scripted model.
type runsFixture struct {
	*fixture
	eng  *dbosengine.Engine
	fake *llmtest.Server
}

var runner = host.Principal{ClientID: "runner", Subject: "runner", Scopes: []string{"agents:helper", "echo:call"}}

func newRunsFixture(t *testing.T) *runsFixture {
	t.Helper()
	def, err := agents.Parse("helper.yaml", []byte("name: helper\ndescription: Echoes.\nmodel: {name: m}\ninstructions: echo\ntools: [echo.echo]\napproval: all\n"))
	if err != nil {
		t.Fatal(err)
	}
	rf := &runsFixture{fake: llmtest.New(t)}
	rf.fixture = newFixture(t, fixtureOptions{
		localPlugins: plugintest.Install(t, plugintest.FirstParty("echo")),
		agents: func(rt *host.Runtime) agents.Engine {
			e, err := dbosengine.New(context.Background(), dbosengine.Config{
				DataDir: t.TempDir(),
				Runner:  &agents.Runner{Agents: agents.Set{"helper": def}, Models: agentstest.Model(t, rf.fake), Invoker: rt, Audit: rt.Audit(), Logger: quiet},
				Logger:  quiet,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Shutdown(5 * time.Second) })
			rf.eng = e
			return e
		},
	})
	return rf
}

// pausedRun starts a run whose first call waits for a decision; the model's
// next turn ends it.
func (rf *runsFixture) pausedRun(t *testing.T, callID string) agents.RunView {
	t.Helper()
	rf.fake.Push(llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: callID, Name: "echo-echo", Arguments: hostileArgs}}}, llmtest.Turn{Content: "done"})
	v, err := rf.eng.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "helper", Input: "go", Principal: runner}})
	if err != nil {
		t.Fatal(err)
	}
	return rf.waitStatus(t, v.ID, agents.StatusWaitingForApproval)
}

func (rf *runsFixture) waitStatus(t *testing.T, id, status string) agents.RunView {
	t.Helper()
	var v agents.RunView
	checkFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		var err error
		if v, err = rf.eng.Get(context.Background(), id); err == nil && v.Status != status {
			err = fmt.Errorf("run is %s, want %s", v.Status, status)
		}
		return err
	})
	return v
}

// decisions returns the audit entries of approval decisions.
func (rf *runsFixture) decisions(t *testing.T) []string {
	t.Helper()
	page, err := rf.rt.Audit().List(context.Background(), audit.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Entries {
		if strings.HasPrefix(e.Action, "agent.call.") {
			out = append(out, e.Action+" by "+e.ClientID)
		}
	}
	return out
}

func TestRunsPage(t *testing.T) {
	rf := newRunsFixture(t)
	v := rf.pausedRun(t, "call_1")
	path := "/admin/runs/" + v.ID + "/approvals/call_1"

	t.Run("a viewer sees the call in full and cannot decide", func(t *testing.T) {
		vera := rf.signIn(viewerName, viewerPassword)
		for _, page := range []string{"/admin/runs", "/admin/runs/" + v.ID} {
			r := vera.get(page)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d", page, r.StatusCode)
			}
			for _, want := range []string{"echo-echo", "Return the input message unchanged", "echo.echo", "echo:call", "read", "&lt;script&gt;alert(1)&lt;/script&gt;", v.ID} {
				if !strings.Contains(r.body, want) {
					t.Errorf("%s lacks %q", page, want)
				}
			}
			if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "<b>bold") {
				t.Fatalf("%s renders the model's arguments as markup", page)
			}
			if strings.Contains(r.body, "approve-form") {
				t.Fatalf("%s shows a viewer the decision forms", page)
			}
		}
		if r := vera.post(path, url.Values{"decision": {"approve"}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a viewer's approval: %d", r.StatusCode)
		}
		if got := rf.waitStatus(t, v.ID, agents.StatusWaitingForApproval); len(got.PendingApprovals) != 1 {
			t.Fatal("the viewer's post decided the call")
		}
	})
	t.Run("refusals", func(t *testing.T) {
		admin := rf.signIn("admin", adminPassword)
		if r := admin.get("/admin/runs/run_NOPE"); r.StatusCode != 404 {
			t.Fatalf("unknown run: %d", r.StatusCode)
		}
		if r := admin.post(path, url.Values{"decision": {"maybe"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("bad decision: %d", r.StatusCode)
		}
		if r := admin.post(path, url.Values{"decision": {"approve"}, csrfField: {"forged"}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("forged CSRF token: %d", r.StatusCode)
		}
		if r := admin.post("/admin/runs/"+v.ID+"/approvals/call_9", url.Values{"decision": {"approve"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("unknown call: %d", r.StatusCode)
		}
		if got := rf.waitStatus(t, v.ID, agents.StatusWaitingForApproval); len(got.PendingApprovals) != 1 {
			t.Fatal("a refused post decided the call")
		}
	})
	t.Run("an admin approves through the approvals' path, audited", func(t *testing.T) {
		admin := rf.signIn("admin", adminPassword)
		if r := admin.post(path, url.Values{"decision": {"approve"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.StatusCode, r.body)
		}
		done := rf.waitStatus(t, v.ID, agents.StatusSucceeded)
		if done.Output != "done" {
			t.Fatalf("run = %+v", done)
		}
		checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
			if got := strings.Join(rf.decisions(t), "\n"); !strings.Contains(got, "agent.call.approve by user:admin") {
				return fmt.Errorf("audit: %q", got)
			}
			return nil
		})
		r := admin.get("/admin/runs")
		if !strings.Contains(r.body, "succeeded") || !strings.Contains(r.body, "No call is waiting") {
			t.Fatalf("the list after the decision: %s", r.body)
		}
	})
}

// TestRunsInBrowser rejects a paused call with a reason in Chromium, with
// the keyboard-free path a person takes: the list, the call, the form.
func TestRunsInBrowser(t *testing.T) {
	rf := newRunsFixture(t)
	v := rf.pausedRun(t, "call_b")
	b := newBrowser(t)
	b.url = rf.url
	b.signIn("admin", adminPassword)
	b.open("/admin/runs", "#call-call_b")
	b.wantText("#call-call_b", "echo.echo")
	b.wantText("#call-call_b pre.arguments", "<script>alert(1)</script>")
	if n := b.eval(`String(document.querySelectorAll("#call-call_b script, #call-call_b b").length)`); n != "0" {
		t.Fatalf("the arguments became %s elements", n)
	}
	b.shot("runs")
	b.do(chromedp.SendKeys(chromedp.CSS("#reason-"+v.ID+"-call_b"), "not this repository"))
	b.click("#call-call_b .reject-form button", ".flash")
	b.wantText(".flash", "Rejected call call_b")
	done := rf.waitStatus(t, v.ID, agents.StatusSucceeded)
	if len(done.Steps) == 0 {
		t.Fatal("no steps")
	}
	reqs := rf.fake.Requests()
	last := reqs[len(reqs)-1].Messages
	if got := last[len(last)-1].Content; !strings.Contains(got, "not this repository") {
		t.Fatalf("the model was told %q", got)
	}
	b.open("/admin/runs/"+v.ID, "#run-status")
	b.wantText("#run-status", "succeeded")
	b.wantText("#steps-table", "rejected")
	b.shot("run")
}
