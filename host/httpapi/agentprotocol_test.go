package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/secure-agent/saa/host/agents"
)

// apSchemas compiles the Agent Protocol's own schemas from its document,
// copied into testdata with its origin in its header.
func apSchemas(t *testing.T) func(name string, body []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/agent-protocol-openapi.yml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4) // OpenAPI 3.0 schemas are draft 4-like
	if err := c.AddResource("ap.json", doc); err != nil {
		t.Fatal(err)
	}
	return func(name string, body []byte) {
		t.Helper()
		s, err := c.Compile("ap.json#/components/schemas/" + name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not JSON: %s", name, body)
		}
		if err := s.Validate(v); err != nil {
			t.Fatalf("%s does not match the Agent Protocol: %v\n%s", name, err, body)
		}
	}
}

// TestAPSchemaCheckCanFail keeps the schema check honest: a step with a
// status the protocol lacks, or without its id, is refused.
func TestAPSchemaCheckCanFail(t *testing.T) {
	raw, _ := os.ReadFile("testdata/agent-protocol-openapi.yml")
	js, _ := yaml.YAMLToJSON(raw)
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource("ap.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("ap.json#/components/schemas/Step")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"task_id":"t","step_id":"1","status":"failed","is_last":false,"artifacts":[]}`,
		`{"task_id":"t","status":"completed","is_last":false,"artifacts":[]}`,
	} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if s.Validate(v) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestAgentProtocol(t *testing.T) {
	check := apSchemas(t)
	f, eng := agentsFixture(t)
	runnerID, runner := f.token("agents:helper", "echo:call")
	_, other := f.token("agents:helper")
	approverID, approver := f.token("runs:approve")
	_, stranger := f.token("echo:call")

	var id string
	t.Run("create", func(t *testing.T) {
		r := f.call(http.MethodPost, "/ap/v1/agent/tasks", runner, `{"input":"summarise","additional_input":{"agent":"helper"}}`)
		if r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		check("Task", r.body)
		var task struct {
			TaskID string `json:"task_id"`
		}
		_ = json.Unmarshal(r.body, &task)
		id = task.TaskID
		if s := eng.starts[0]; s.Agent != "helper" || s.Input != "summarise" || s.Principal.ClientID != runnerID || id == "" {
			t.Fatalf("start = %+v, task %s", s, id)
		}
	})
	for _, c := range []struct {
		name, token, body string
		status            int
		kind              string
	}{
		{"no agent", runner, `{"input":"x"}`, 422, "bad-request"},
		{"unknown agent", runner, `{"input":"x","additional_input":{"agent":"ghost"}}`, 404, "not-found"},
		{"no agent scope", stranger, `{"input":"x","additional_input":{"agent":"helper"}}`, 403, "insufficient-scope"},
		{"no token", "", `{"input":"x","additional_input":{"agent":"helper"}}`, 401, "unauthorized"},
		{"not JSON", runner, `input=x`, 400, "invalid-json"},
		{"input not text", runner, `{"input":{"a":1},"additional_input":{"agent":"helper"}}`, 422, "invalid-json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := f.call(http.MethodPost, "/ap/v1/agent/tasks", c.token, c.body)
			if r.StatusCode != c.status || (c.kind != "unauthorized" && problemKind(t, r) != c.kind) {
				t.Fatalf("%d %s, want %d %s", r.StatusCode, r.body, c.status, c.kind)
			}
		})
	}
	t.Run("isolation", func(t *testing.T) {
		if r := f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id, runner, ""); r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		} else {
			check("Task", r.body)
		}
		for _, p := range []string{"", "/steps", "/steps/run", "/artifacts"} {
			if r := f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id+p, other, ""); r.StatusCode != 404 {
				t.Errorf("another client read %s: %d", p, r.StatusCode)
			}
		}
		if r := f.call(http.MethodPost, "/ap/v1/agent/tasks/"+id+"/steps", other, `{"input":"approve"}`); r.StatusCode != 404 {
			t.Errorf("another client stepped the task: %d", r.StatusCode)
		}
		r := f.call(http.MethodGet, "/ap/v1/agent/tasks", other, "")
		check("TaskListResponse", r.body)
		if !strings.Contains(string(r.body), `"tasks":[]`) {
			t.Fatalf("another client lists %s", r.body)
		}
	})
	t.Run("list pages", func(t *testing.T) {
		f.call(http.MethodPost, "/ap/v1/agent/tasks", runner, `{"input":"again","additional_input":{"agent":"helper"}}`)
		r := f.call(http.MethodGet, "/ap/v1/agent/tasks?current_page=2&page_size=1", runner, "")
		check("TaskListResponse", r.body)
		var l struct {
			Tasks      []apTask     `json:"tasks"`
			Pagination apPagination `json:"pagination"`
		}
		_ = json.Unmarshal(r.body, &l)
		// Newest first: the second page of one is the first task.
		if len(l.Tasks) != 1 || l.Tasks[0].TaskID != id || l.Pagination != (apPagination{TotalItems: 2, TotalPages: 2, CurrentPage: 2, PageSize: 1}) {
			t.Fatalf("page 2: %s", r.body)
		}
		r = f.call(http.MethodGet, "/ap/v1/agent/tasks?current_page=3&page_size=1", runner, "")
		check("TaskListResponse", r.body)
		if !strings.Contains(string(r.body), `"tasks":[]`) || !strings.Contains(string(r.body), `"total_items":2`) {
			t.Fatalf("past the end: %s", r.body)
		}
		for _, q := range []string{"current_page=0", "page_size=101", "page_size=x"} {
			if r := f.call(http.MethodGet, "/ap/v1/agent/tasks?"+q, runner, ""); r.StatusCode != 400 {
				t.Errorf("%s: %d", q, r.StatusCode)
			}
		}
	})
	t.Run("steps", func(t *testing.T) {
		eng.set(id, func(v *agents.RunView) {
			v.Steps = []agents.Step{{Kind: "llm", Agent: "helper", Status: "ok", At: time.Now().UTC()},
				{Kind: "tool", Agent: "helper", Tool: "echo-echo", Status: "error", Error: "boom", At: time.Now().UTC()}}
		})
		r := f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id+"/steps", runner, "")
		check("TaskStepsListResponse", r.body)
		if !strings.Contains(string(r.body), `"total_items":3`) || !strings.Contains(string(r.body), `"status":"waiting_for_approval"`) {
			t.Fatalf("%s", r.body)
		}
		r = f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id+"/steps/2", runner, "")
		check("Step", r.body)
		if !strings.Contains(string(r.body), `"output":"boom"`) || !strings.Contains(string(r.body), `"name":"tool echo-echo"`) {
			t.Fatalf("%s", r.body)
		}
		if r := f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id+"/steps/9", runner, ""); r.StatusCode != 404 {
			t.Fatalf("unknown step: %d", r.StatusCode)
		}
		r = f.call(http.MethodPost, "/ap/v1/agent/tasks/"+id+"/steps", runner, `{}`)
		check("Step", r.body)
		if !strings.Contains(string(r.body), `"pending_approvals":[{"call_id":"c1"`) || len(eng.decided) != 0 {
			t.Fatalf("an empty step: %s", r.body)
		}
	})
	t.Run("approve by step", func(t *testing.T) {
		step := func(tok, in string) response {
			return f.call(http.MethodPost, "/ap/v1/agent/tasks/"+id+"/steps", tok, `{"input":`+strconvQuote(in)+`}`)
		}
		if r := step(runner, "approve"); r.StatusCode != 403 || problemKind(t, r) != "insufficient-scope" {
			t.Fatalf("the runner without runs:approve: %d %s", r.StatusCode, r.body)
		}
		_, selfish := f.token("agents:helper", "runs:approve")
		r := f.call(http.MethodPost, "/ap/v1/agent/tasks", selfish, `{"input":"x","additional_input":{"agent":"helper"}}`)
		var own apTask
		_ = json.Unmarshal(r.body, &own)
		if r := f.call(http.MethodPost, "/ap/v1/agent/tasks/"+own.TaskID+"/steps", selfish, `{"input":"approve"}`); r.StatusCode != 403 || !strings.Contains(string(r.body), "cannot approve") {
			t.Fatalf("self-approval: %d %s", r.StatusCode, r.body)
		}
		if r := step(approver, "maybe"); r.StatusCode != 422 {
			t.Fatalf("bad decision: %d %s", r.StatusCode, r.body)
		}
		if len(eng.decided) != 0 {
			t.Fatalf("decided %v", eng.decided)
		}
		r = step(approver, "reject: too risky")
		check("Step", r.body)
		if r.StatusCode != 200 || len(eng.reasons) != 1 || eng.reasons[0] != "false:too risky" || !strings.HasSuffix(eng.decided[0], "/c1/"+approverID) {
			t.Fatalf("reject: %d %s, decided %v %v", r.StatusCode, r.body, eng.decided, eng.reasons)
		}
		eng.set(id, func(v *agents.RunView) {
			v.Apply(agents.Result{Status: agents.StatusSucceeded, Output: "done", Agent: "helper"})
		})
		if r := step(approver, "approve"); r.StatusCode != 409 {
			t.Fatalf("a finished run took a decision: %d %s", r.StatusCode, r.body)
		}
		r = f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id+"/steps/run", runner, "")
		check("Step", r.body)
		if !strings.Contains(string(r.body), `"is_last":true`) || !strings.Contains(string(r.body), `"output":"done"`) || !strings.Contains(string(r.body), `"status":"completed"`) {
			t.Fatalf("finished: %s", r.body)
		}
	})
	t.Run("artifacts", func(t *testing.T) {
		r := f.call(http.MethodGet, "/ap/v1/agent/tasks/"+id+"/artifacts", runner, "")
		check("TaskArtifactsListResponse", r.body)
		if r := f.call(http.MethodPost, "/ap/v1/agent/tasks/"+id+"/artifacts", runner, `{}`); r.StatusCode != 501 || problemKind(t, r) != "not-implemented" {
			t.Fatalf("upload: %d %s", r.StatusCode, r.body)
		}
	})
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestParseDecision(t *testing.T) {
	for _, c := range []struct {
		in, reason  string
		approve, ok bool
	}{
		{"approve", "", true, true}, {" approve ", "", true, true}, {"reject", "", false, true},
		{"reject: too risky ", "too risky", false, true}, {"rejectx", "", false, false},
		{"approve it", "", false, false}, {"", "", false, false}, {"yes", "", false, false},
	} {
		approve, reason, ok := parseDecision(c.in)
		if approve != c.approve || reason != c.reason || ok != c.ok {
			t.Errorf("%q = %v %q %v", c.in, approve, reason, ok)
		}
	}
}

func FuzzParseDecision(f *testing.F) {
	for _, s := range []string{"approve", "reject: no", "reject", "rejected", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		approve, reason, ok := parseDecision(in)
		if approve && (!ok || strings.TrimSpace(in) != "approve") {
			t.Fatalf("%q approves", in)
		}
		if ok && !approve && !strings.HasPrefix(strings.TrimSpace(in), "reject") {
			t.Fatalf("%q rejects", in)
		}
		if reason != strings.TrimSpace(reason) {
			t.Fatalf("reason %q untrimmed", reason)
		}
	})
}
