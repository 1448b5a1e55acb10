package openapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/httpapi/lint"
	"github.com/secure-agent/saa/host/httpapi/openapi/openapitest"
)

// agentOps are the agent operations: method, path, operationId and the
// scopes the operation's security names.
var agentOps = []struct {
	method, path, id string
	scopes           []string
}{
	{"get", "/v1/agents", "listAgents", nil},
	{"post", "/v1/agents/{name}/runs", "startAgentRun", nil},
	{"post", "/v1/runs/{id}/approvals/{call_id}", "decideAgentApproval", []string{agents.ScopeApprove}},
	{"post", "/v1/runs/{id}/cancel", "cancelAgentRun", nil},
	{"get", "/v1/runs/{id}/events", "streamAgentRunEvents", nil},
}

func TestBuildAgentsOnlyWhenMounted(t *testing.T) {
	without, rawWithout := build(t)
	with, _ := build(t, PartAgents)
	for _, o := range agentOps {
		if _, ok := without.Paths[o.path]; ok {
			t.Errorf("%s is documented without the agents part", o.path)
		}
		op, ok := with.Paths[o.path][o.method]
		if !ok || op.OperationID != o.id {
			t.Errorf("%s %s = %+v, want operation %s", o.method, o.path, op, o.id)
			continue
		}
		if o.scopes != nil && (len(op.Security) != 1 || !slices.Equal(op.Security[0]["oauth2"], o.scopes)) {
			t.Errorf("%s %s security = %v, want oauth2 %v", o.method, o.path, op.Security, o.scopes)
		}
	}
	if strings.Contains(string(rawWithout), "AgentRun") || strings.Contains(string(rawWithout), agents.ScopeApprove) {
		t.Error("agent schemas or scopes without the agents part")
	}
	// The drift checker holds every agent schema closed, and closes only
	// those it finds: a misspelt name would go unchecked.
	closed := openapitest.DefaultOptions().ClosedIfPresent
	for name := range with.Components.Schemas {
		if strings.HasPrefix(name, "Agent") && !slices.Contains(closed, name) {
			t.Errorf("schema %s is not in openapitest's ClosedIfPresent", name)
		}
	}
	for _, name := range closed {
		if strings.HasPrefix(name, "Agent") && with.Components.Schemas[name] == nil {
			t.Errorf("openapitest closes %s, which the document does not have", name)
		}
	}
	scopes := with.Components.SecuritySchemes["oauth2"].Flows.ClientCredentials.Scopes
	for _, s := range []string{agents.ScopeApprove, agents.ScopeContinuous, "tickets:read"} {
		if scopes[s] == "" {
			t.Errorf("scope %s is not described: %v", s, scopes)
		}
	}
}

// TestBuildAgentsPassesRedoclyLint lints the document with the agents and
// the semantic parts, as TestBuildPassesRedoclyLint does without them.
func TestBuildAgentsPassesRedoclyLint(t *testing.T) {
	_, raw := build(t, PartAgents, PartSemantic)
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := lint.Redocly(path); err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
}

// everyRunMember is an agent run with every member set, to values the
// agents' enums allow.
func everyRunMember() agents.RunView {
	var v agents.RunView
	fill(reflect.ValueOf(&v).Elem())
	v.Kind, v.Status = "agent", agents.StatusFailed
	v.Error.Kind = agents.KindBudget
	v.Steps[0].Kind, v.Steps[0].Status = "tool", "auto_approved"
	v.PendingApprovals[0].Arguments = json.RawMessage(`{"title":"x"}`)
	v.PendingApprovals[0].Effect = "write"
	return v
}

func everyListingMember() agents.Listing {
	var l agents.Listing
	fill(reflect.ValueOf(&l).Elem())
	l.Approval, l.Kind = agents.ApproveWrites, agents.KindWorkflow
	return l
}

// TestAgentSchemasMatchTheEncodedTypes holds the agent schemas, held
// closed as the drift checker holds them, to what the handlers encode:
// every member of the types, each status and error kind the agents
// declare, and the runs a fresh engine answers.
func TestAgentSchemasMatchTheEncodedTypes(t *testing.T) {
	_, raw := build(t, PartAgents)
	c, err := openapitest.New(raw, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		name, method, path string
		status             int
		body               any
	}
	now := time.Now().UTC()
	queued := agents.RunView{ID: "run_1", Kind: "agent", Status: agents.StatusQueued, Steps: []agents.Step{}, PendingApprovals: []agents.Pending{}, CreatedAt: now}
	answers := []answer{
		{"every member of a run", "GET", "/v1/runs/run_1", 200, everyRunMember()},
		{"every member of a started run", "POST", "/v1/agents/x/runs", 202, everyRunMember()},
		{"queued", "GET", "/v1/runs/run_1", 200, queued},
		{"every member of a listing", "GET", "/v1/agents", 200, map[string]any{"agents": []agents.Listing{everyListingMember()}}},
		{"no agents", "GET", "/v1/agents", 200, map[string]any{"agents": []agents.Listing{}}},
		{"cancel", "POST", "/v1/runs/run_1/cancel", 202, map[string]string{"id": "run_1", "status": "canceling"}},
		{"decision", "POST", "/v1/runs/run_1/approvals/c1", 200, map[string]string{"id": "run_1", "call_id": "c1", "decision": "reject"}},
	}
	for _, s := range agentRunStatuses {
		v := queued
		v.Status = s.(string)
		answers = append(answers, answer{"status " + v.Status, "GET", "/v1/runs/run_1", 200, v})
	}
	for _, k := range []string{agents.KindBudget, agents.KindLLM, agents.KindFiltered, agents.KindRefused, agents.KindStep, agents.KindInvalid, agents.KindInterrupted, agents.KindCanceled} {
		v := queued
		v.Status, v.Error, v.FinishedAt = agents.StatusFailed, &agents.RunError{Kind: k, Message: "x"}, &now
		answers = append(answers, answer{"error " + k, "GET", "/v1/runs/run_1", 200, v})
	}
	for _, a := range []string{agents.ApproveNone, agents.ApproveWrites, agents.ApproveAll} {
		l := everyListingMember()
		l.Approval = a
		answers = append(answers, answer{"approval " + a, "GET", "/v1/agents", 200, map[string]any{"agents": []agents.Listing{l}}})
	}
	js := http.Header{"Content-Type": {"application/json"}}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			body, err := json.Marshal(a.body)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Check(a.method, a.path, a.status, js, body); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("events", func(t *testing.T) {
		v := everyRunMember()
		step, _ := json.Marshal(v.Steps[0])
		status, _ := json.Marshal(map[string]any{"status": v.Status, "pending_approvals": v.PendingApprovals})
		end, _ := json.Marshal(v)
		body := "id: 0\nevent: step\ndata: " + string(step) + "\n\nevent: status\ndata: " + string(status) + "\n\nevent: end\ndata: " + string(end) + "\n\n"
		if err := c.Check("GET", "/v1/runs/run_1/events", 200, http.Header{"Content-Type": {"text/event-stream"}}, []byte(body)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAgentSchemasRefuseUnknownMembers shows the check above can fail: a
// member the schemas do not name, at any depth, or a value outside an enum,
// is refused; and an action's run does not pass for an agent's.
func TestAgentSchemasRefuseUnknownMembers(t *testing.T) {
	_, raw := build(t, PartAgents)
	c, err := openapitest.New(raw, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	run, _ := json.Marshal(everyRunMember())
	listing, _ := json.Marshal(map[string]any{"agents": []agents.Listing{everyListingMember()}})
	tests := []struct {
		name, path, body, old, new string
	}{
		{"run", "/v1/runs/run_1", string(run), `"kind":"agent"`, `"kind":"agent","client_id":"x"`},
		{"run's kind", "/v1/runs/run_1", string(run), `"kind":"agent"`, `"kind":"action"`},
		{"run's status", "/v1/runs/run_1", string(run), `"status":"failed"`, `"status":"paused"`},
		{"step", "/v1/runs/run_1", string(run), `"at":`, `"input":"x","at":`},
		{"step's status", "/v1/runs/run_1", string(run), `"auto_approved"`, `"skipped"`},
		{"usage", "/v1/runs/run_1", string(run), `"calls":100`, `"calls":100,"cost":1`},
		{"pending approval", "/v1/runs/run_1", string(run), `"hash":"x"`, `"hash":"x","nonce":"x"`},
		{"error kind", "/v1/runs/run_1", string(run), `"budget_exceeded"`, `"plugin-timeout"`},
		{"missing usage", "/v1/runs/run_1", string(run), `"usage":{"prompt_tokens":100,"completion_tokens":100,"total_tokens":100,"calls":100},`, ``},
		{"listing", "/v1/agents", string(listing), `"approval":"writes"`, `"approval":"writes","instructions":"x"`},
		{"listing's approval", "/v1/agents", string(listing), `"approval":"writes"`, `"approval":"some"`},
	}
	js := http.Header{"Content-Type": {"application/json"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.body, tt.old) {
				t.Fatalf("%s is not in %s", tt.old, tt.body)
			}
			if err := c.Check(http.MethodGet, tt.path, http.StatusOK, js, []byte(tt.body)); err != nil {
				t.Fatalf("before the edit: %v", err)
			}
			body := strings.Replace(tt.body, tt.old, tt.new, 1)
			if err := c.Check(http.MethodGet, tt.path, http.StatusOK, js, []byte(body)); !errors.Is(err, openapitest.ErrMismatch) {
				t.Fatalf("Check = %v, want ErrMismatch", err)
			}
		})
	}
	t.Run("an action's run with an agent's members", func(t *testing.T) {
		body := `{"id":"run_1","plugin":"echo","action":"echo","status":"queued","created_at":"2026-01-01T00:00:00Z"}`
		if err := c.Check(http.MethodGet, "/v1/runs/run_1", 200, js, []byte(body)); err != nil {
			t.Fatalf("an action's run: %v", err)
		}
		mixed := strings.Replace(body, `"status"`, `"kind":"agent","status"`, 1)
		if err := c.Check(http.MethodGet, "/v1/runs/run_1", 200, js, []byte(mixed)); !errors.Is(err, openapitest.ErrMismatch) {
			t.Fatalf("Check = %v, want ErrMismatch", err)
		}
	})
}

// TestAgentProblemsAreDocumented: the answers other than 2xx the handlers
// give are documented, and others are not.
func TestAgentProblemsAreDocumented(t *testing.T) {
	_, raw := build(t, PartAgents)
	c, err := openapitest.New(raw, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pj := http.Header{"Content-Type": {"application/problem+json"}}
	problem := func(status int) []byte {
		return []byte(`{"type":"https://saa.dev/problems/x","title":"x","status":` + strconv.Itoa(status) + `}`)
	}
	type call struct {
		method, path string
		status       int
	}
	documented := []call{
		{"GET", "/v1/agents", 401}, {"GET", "/v1/agents", 429},
		{"POST", "/v1/agents/x/runs", 400}, {"POST", "/v1/agents/x/runs", 403}, {"POST", "/v1/agents/x/runs", 404},
		{"POST", "/v1/agents/x/runs", 413}, {"POST", "/v1/agents/x/runs", 415}, {"POST", "/v1/agents/x/runs", 429},
		{"POST", "/v1/runs/r/approvals/c", 400}, {"POST", "/v1/runs/r/approvals/c", 403},
		{"POST", "/v1/runs/r/approvals/c", 404}, {"POST", "/v1/runs/r/approvals/c", 409},
		{"POST", "/v1/runs/r/cancel", 404}, {"POST", "/v1/runs/r/cancel", 409},
		{"GET", "/v1/runs/r/events", 401}, {"GET", "/v1/runs/r/events", 404},
	}
	for _, tt := range documented {
		if err := c.Check(tt.method, tt.path, tt.status, pj, problem(tt.status)); err != nil {
			t.Errorf("%s %s %d: %v", tt.method, tt.path, tt.status, err)
		}
	}
	for _, tt := range []call{{"GET", "/v1/agents", 404}, {"POST", "/v1/runs/r/cancel", 403}, {"GET", "/v1/runs/r/events", 409}} {
		if err := c.Check(tt.method, tt.path, tt.status, pj, problem(tt.status)); err == nil {
			t.Errorf("%s %s %d: undocumented status accepted", tt.method, tt.path, tt.status)
		}
	}
}
