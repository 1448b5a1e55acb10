package agentstest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/llm/llmtest"
)

// workflowInput is the example workflow's input: tickets and where to file.
func workflowInput(priority string) string {
	return `{"owner":"acme","repo":"widgets","tickets":[{"id":1,"status":"open","priority":"` + priority +
		`","created_at":"2026-01-01T00:00:00Z","title":"Login broken"}]}`
}

// workflowScopes are what running the example workflow needs.
var workflowScopes = []string{"agents:ticket_report", "agents:analyst", allScope, "github:issues.write"}

func testWorkflow(t *testing.T, env Env) {
	t.Run("parallel steps, condition, approved action, output", func(t *testing.T) {
		before := len(env.GitHub.Created())
		s := env.setup(t, []llmtest.Turn{answer("One urgent ticket: login broken.")}, workflowScopes...)
		ap := s.runner.Approver.(*agents.MemoryApprover)
		res := s.run("ticket_report", workflowInput("urgent"), func(r *agents.Request) { r.Observe = decider(t, ap, "run-1", true, "") })
		if res.Status != agents.StatusSucceeded {
			t.Fatalf("run = %+v", res)
		}
		var out struct {
			Stats   struct{ Total int }
			Summary string
			Filed   string
		}
		if err := json.Unmarshal([]byte(res.Output), &out); err != nil || out.Stats.Total != 1 || out.Summary != "One urgent ticket: login broken." || out.Filed != "then" {
			t.Fatalf("output = %s (%v)", res.Output, err)
		}
		if got := env.GitHub.Created(); len(got) != before+1 || got[len(got)-1] != "Urgent support tickets" {
			t.Fatalf("issues = %v", got)
		}
		if got := stepStatuses(res, "approval"); !slices.Equal(got, []string{"approved"}) {
			t.Fatalf("approval steps = %v", got)
		}
		if got := stepStatuses(res, "tool"); !slices.Equal(got, []string{"ok", "ok"}) {
			t.Fatalf("tool steps = %v", got)
		}
		// The analyst ran as an agent step, with the tickets as its task.
		if reqs := s.fake.Requests(); len(reqs) != 1 || !strings.Contains(reqs[0].Messages[1].Content, "Login broken") {
			t.Fatalf("model requests = %+v", reqs)
		}
	})
	t.Run("a rejected action fails the run with its reason", func(t *testing.T) {
		before := len(env.GitHub.Created())
		s := env.setup(t, []llmtest.Turn{answer("urgent")}, workflowScopes...)
		ap := s.runner.Approver.(*agents.MemoryApprover)
		res := s.run("ticket_report", workflowInput("urgent"), func(r *agents.Request) { r.Observe = decider(t, ap, "run-1", false, "not today") })
		if res.Status != agents.StatusFailed || res.ErrorKind != agents.KindStep || !strings.Contains(res.ErrorMessage, "step issue") ||
			!strings.Contains(res.ErrorMessage, "not today") {
			t.Fatalf("run = %+v", res)
		}
		if len(env.GitHub.Created()) != before {
			t.Fatal("a rejected step ran")
		}
	})
	t.Run("the else branch skips the write", func(t *testing.T) {
		s := env.setup(t, []llmtest.Turn{answer("nothing urgent")}, workflowScopes...)
		res := s.run("ticket_report", workflowInput("low"), nil)
		if res.Status != agents.StatusSucceeded || !strings.Contains(res.Output, `"filed":"else"`) || len(stepStatuses(res, "approval")) != 0 {
			t.Fatalf("run = %+v", res)
		}
	})
	t.Run("each step needs its scope", func(t *testing.T) {
		s := env.setup(t, []llmtest.Turn{answer("x")}, "agents:ticket_report", "agents:analyst", "github:issues.write")
		res := s.run("ticket_report", workflowInput("urgent"), nil)
		if res.Status != agents.StatusFailed || res.ErrorKind != agents.KindStep || !strings.Contains(res.ErrorMessage, "tickets.analyze") {
			t.Fatalf("run = %+v", res)
		}
		s = env.setup(t, nil, "agents:analyst", allScope)
		if res := s.run("ticket_report", workflowInput("urgent"), nil); res.ErrorKind != agents.KindInvalid {
			t.Fatalf("without agents:ticket_report: %+v", res)
		}
	})
	t.Run("a pointer naming nothing fails its step", func(t *testing.T) {
		s := env.setup(t, []llmtest.Turn{answer("x")}, workflowScopes...)
		res := s.run("ticket_report", `{"owner":"acme"}`, nil)
		if res.Status != agents.StatusFailed || res.ErrorKind != agents.KindStep || !strings.Contains(res.ErrorMessage, "/input/tickets") {
			t.Fatalf("run = %+v", res)
		}
	})
}
