package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/dbosengine"
)

// echoes is a workflow that needs no model: two echo calls, the second
// when the first answered "hi", each paused for a human (approval: all).
const echoes = `kind: workflow
name: echoes
description: Echoes twice.
approval: all
steps:
  - id: first
    action: echo.echo
    input: { message: { $from: /input/text } }
  - id: check
    condition: { pointer: /steps/first/message, equals: hi }
    then:
      - id: second
        action: echo.echo
        input: { message: { $from: /steps/first/message } }
`

// TestWorkflowOverREST starts a workflow with POST /v1/agents/{name}/runs
// on the durable engine, approves its paused steps from another client, and
// reads the run to its output; every answer is checked against the
// OpenAPI document by the fixture's client.
func TestWorkflowOverREST(t *testing.T) {
	d, err := agents.Parse("echoes.yaml", []byte(echoes))
	if err != nil {
		t.Fatal(err)
	}
	set := agents.Set{"echoes": d}
	f := newFixture(t, options{config: func(c *Config) {
		eng, err := dbosengine.New(context.Background(), dbosengine.Config{
			DataDir: t.TempDir(), Runner: &agents.Runner{Agents: set, Invoker: c.Runtime}, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Shutdown(5 * time.Second) })
		c.Agents = &AgentRuns{Agents: set, Engine: eng}
	}})
	_, runner := f.token("agents:echoes", "echo:call")
	_, approver := f.token("runs:approve")

	if r := f.call(http.MethodGet, "/v1/agents", runner, ""); r.StatusCode != 200 || !strings.Contains(string(r.body), `"kind":"workflow"`) {
		t.Fatalf("GET /v1/agents: %d %s", r.StatusCode, r.body)
	}
	r := f.call(http.MethodPost, "/v1/agents/echoes/runs", runner, `{"input":{"text":"hi"}}`)
	if r.StatusCode != http.StatusAccepted {
		t.Fatalf("start: %d %s", r.StatusCode, r.body)
	}
	id := strings.TrimPrefix(r.Header.Get("Location"), "/v1/runs/")
	// wait polls the run until it has status and, if call is set, that
	// call is the one paused.
	wait := func(status, call string) agents.RunView {
		var v agents.RunView
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := f.call(http.MethodGet, "/v1/runs/"+id, runner, "")
			v = agents.RunView{}
			if err := json.Unmarshal(r.body, &v); err == nil && v.Status == status &&
				(call == "" || len(v.PendingApprovals) > 0 && v.PendingApprovals[0].CallID == call) {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("run is %s, want %s: %s", v.Status, status, r.body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, step := range []string{"first", "second"} {
		v := wait(agents.StatusWaitingForApproval, step)
		if len(v.PendingApprovals) != 1 || v.PendingApprovals[0].CallID != step || string(v.PendingApprovals[0].Arguments) != `{"message":"hi"}` {
			t.Fatalf("pending = %+v, want step %s", v.PendingApprovals, step)
		}
		if r := f.call(http.MethodPost, "/v1/runs/"+id+"/approvals/"+step, runner, `{"decision":"approve"}`); r.StatusCode != http.StatusForbidden {
			t.Fatalf("the runner approved its own step: %d", r.StatusCode)
		}
		if r := f.call(http.MethodPost, "/v1/runs/"+id+"/approvals/"+step, approver, `{"decision":"approve"}`); r.StatusCode != http.StatusOK {
			t.Fatalf("approve %s: %d %s", step, r.StatusCode, r.body)
		}
	}
	v := wait(agents.StatusSucceeded, "")
	if v.Output != `{"message":"hi"}` {
		t.Fatalf("output = %q", v.Output)
	}
	var tools []string
	for _, s := range v.Steps {
		tools = append(tools, fmt.Sprintf("%s:%s:%s", s.Kind, s.CallID, s.Status))
	}
	if got := strings.Join(tools, ","); got != "approval:first:approved,tool:first:ok,approval:second:approved,tool:second:ok" {
		t.Fatalf("steps = %s", got)
	}
	// Without agents:echoes the run is refused before it starts.
	_, other := f.token("echo:call")
	if r := f.call(http.MethodPost, "/v1/agents/echoes/runs", other, `{"input":{"text":"hi"}}`); r.StatusCode != http.StatusForbidden {
		t.Fatalf("a client without agents:echoes: %d", r.StatusCode)
	}
}
