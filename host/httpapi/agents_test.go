package httpapi

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/runs"
)

// engineMock is an agents.Engine with one paused run per start.
type engineMock struct {
	mu       sync.Mutex
	runs     map[string]agents.RunView
	starts   []agents.StartRequest
	decided  []string
	reasons  []string
	canceled []string
}

func (m *engineMock) Start(_ context.Context, s agents.StartRequest) (agents.RunView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, prior := range m.starts {
		if s.IdempotencyKey != "" && prior.IdempotencyKey == s.IdempotencyKey && prior.Principal.ClientID == s.Principal.ClientID && prior.Input != s.Input {
			return agents.RunView{}, runs.ErrIdempotencyConflict
		}
	}
	m.starts = append(m.starts, s)
	v := agents.RunView{ID: "run_MOCK" + string(rune('A'+len(m.starts))), Kind: "agent", Agent: s.Agent, ClientID: s.Principal.ClientID,
		Status: agents.StatusWaitingForApproval, PendingApprovals: []agents.Pending{pendingEcho()}, CreatedAt: time.Now().UTC()}
	v.SetPrincipal(s.Principal)
	m.runs[v.ID] = v
	return v, nil
}

// pendingEcho is a paused call as the agent loop builds it.
func pendingEcho() agents.Pending {
	return agents.Pending{CallID: "c1", Agent: "helper", Tool: "echo-echo", Description: "Echo a message.",
		Arguments: json.RawMessage(`{"message":"hi"}`), Plugin: "echo", Action: "echo", Effect: "read",
		Scopes: []string{"echo:call"}, Hash: "h", ExpiresAt: time.Now().Add(time.Hour).UTC()}
}

func (m *engineMock) Get(_ context.Context, id string) (agents.RunView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.runs[id]
	if !ok {
		return v, agents.ErrRunNotFound
	}
	return v, nil
}

func (m *engineMock) Decide(_ context.Context, id, callID string, approve bool, reason, by string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if callID != "c1" {
		return agents.ErrNoPending
	}
	m.decided = append(m.decided, id+"/"+callID+"/"+by)
	m.reasons = append(m.reasons, strconv.FormatBool(approve)+":"+reason)
	return nil
}

func (m *engineMock) Cancel(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.canceled = append(m.canceled, id)
	return nil
}

// List returns every run, as all the mock's runs stay in flight.
func (m *engineMock) List(context.Context) ([]agents.RunView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.runs)), nil
}

// History pages the mock's runs, newest first, like the engine.
func (m *engineMock) History(_ context.Context, f agents.HistoryFilter) ([]agents.RunView, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := slices.Collect(maps.Values(m.runs))
	all = slices.DeleteFunc(all, func(v agents.RunView) bool { return f.ClientID != "" && v.ClientID != f.ClientID })
	slices.SortFunc(all, func(a, b agents.RunView) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	start := min(f.Offset, len(all))
	return all[start:min(start+f.Limit, len(all))], len(all), nil
}

// set changes run id in place.
func (m *engineMock) set(id string, fn func(*agents.RunView)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.runs[id]
	fn(&v)
	m.runs[id] = v
}

func agentsFixture(t *testing.T) (*fixture, *engineMock) {
	eng, runs := agentRuns(t)
	f := newFixture(t, options{config: func(c *Config) { c.Agents = runs }})
	return f, eng
}

// agentRuns is the agent helper on an engineMock.
func agentRuns(t *testing.T) (*engineMock, *AgentRuns) {
	eng := &engineMock{runs: map[string]agents.RunView{}}
	d, err := agents.Parse("helper.yaml", []byte("name: helper\ndescription: helps\nmodel: {name: m}\ninstructions: help\ntools: [echo.echo]\n"))
	if err != nil {
		t.Fatal(err)
	}
	return eng, &AgentRuns{Agents: agents.Set{"helper": d}, Engine: eng}
}

func TestAgentRoutes(t *testing.T) {
	f, eng := agentsFixture(t)
	runnerID, runner := f.token("agents:helper", "echo:call")
	_, approver := f.token("runs:approve")
	_, stranger := f.token("echo:call")
	_, continuous := f.token("agents:helper", "agents:continuous")

	t.Run("list", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/agents", runner, "")
		if r.StatusCode != 200 || !strings.Contains(string(r.body), `"name":"helper"`) || !strings.Contains(string(r.body), `"required_scope":"agents:helper"`) {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		if r := f.call(http.MethodGet, "/v1/agents", stranger, ""); string(r.body) != `{"agents":[]}` {
			t.Fatalf("a stranger sees %s", r.body)
		}
	})
	var id string
	t.Run("start", func(t *testing.T) {
		r := f.call(http.MethodPost, "/v1/agents/helper/runs", runner, `{"input":{"tickets":[]},"mode":"manual"}`, "Idempotency-Key", "k1")
		if r.StatusCode != http.StatusAccepted || !strings.HasPrefix(r.Header.Get("Location"), "/v1/runs/run_MOCK") {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		id = strings.TrimPrefix(r.Header.Get("Location"), "/v1/runs/")
		s := eng.starts[0]
		if s.Input != `{"tickets":[]}` || s.Principal.ClientID != runnerID || s.IdempotencyKey != "k1" || s.Mode != "manual" {
			t.Fatalf("start = %+v", s)
		}
		r = f.call(http.MethodPost, "/v1/agents/helper/runs", runner, `{"input":{"tickets":[1]},"mode":"manual"}`, "Idempotency-Key", "k1")
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "idempotency-key-reused") {
			t.Fatalf("same key, other input: %d %s", r.StatusCode, r.body)
		}
		if r := f.call(http.MethodPost, "/v1/agents/helper/runs", continuous, `{"input":"text","mode":"continuous"}`); r.StatusCode != http.StatusAccepted || eng.starts[1].Input != "text" {
			t.Fatalf("continuous: %d %s", r.StatusCode, r.body)
		}
	})
	for _, c := range []struct {
		name, path, token, body string
		status                  int
		kind                    string
	}{
		{"unknown agent", "/v1/agents/ghost/runs", runner, `{"input":"x"}`, 404, "not-found"},
		{"no agent scope", "/v1/agents/helper/runs", stranger, `{"input":"x"}`, 403, "insufficient-scope"},
		{"continuous without its scope", "/v1/agents/helper/runs", runner, `{"input":"x","mode":"continuous"}`, 403, "insufficient-scope"},
		{"bad mode", "/v1/agents/helper/runs", runner, `{"input":"x","mode":"fast"}`, 400, "bad-request"},
		{"no input", "/v1/agents/helper/runs", runner, `{"mode":"manual"}`, 400, "invalid-json"},
		{"unknown field", "/v1/agents/helper/runs", runner, `{"input":"x","tools":["admin"]}`, 400, "invalid-json"},
		{"not JSON", "/v1/agents/helper/runs", runner, `input=x`, 400, "invalid-json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := f.call(http.MethodPost, c.path, c.token, c.body)
			if r.StatusCode != c.status || problemKind(t, r) != c.kind {
				t.Fatalf("%d %s, want %d %s", r.StatusCode, r.body, c.status, c.kind)
			}
		})
	}
	t.Run("read", func(t *testing.T) {
		for _, tok := range []string{runner, approver} {
			if r := f.call(http.MethodGet, "/v1/runs/"+id, tok, ""); r.StatusCode != 200 || !strings.Contains(string(r.body), `"pending_approvals":[{"call_id":"c1"`) {
				t.Fatalf("%d %s", r.StatusCode, r.body)
			}
		}
		if r := f.call(http.MethodGet, "/v1/runs/"+id, stranger, ""); r.StatusCode != 404 {
			t.Fatalf("another client read the run: %d", r.StatusCode)
		}
	})
	t.Run("approvals", func(t *testing.T) {
		approve := func(tok, call, body string) response {
			return f.call(http.MethodPost, "/v1/runs/"+id+"/approvals/"+call, tok, body)
		}
		if r := approve(runner, "c1", `{"decision":"approve"}`); r.StatusCode != 403 {
			t.Fatalf("the runner without runs:approve: %d %s", r.StatusCode, r.body)
		}
		_, selfish := f.token("agents:helper", "runs:approve")
		r := f.call(http.MethodPost, "/v1/agents/helper/runs", selfish, `{"input":"x"}`)
		own := strings.TrimPrefix(r.Header.Get("Location"), "/v1/runs/")
		if r := f.call(http.MethodPost, "/v1/runs/"+own+"/approvals/c1", selfish, `{"decision":"approve"}`); r.StatusCode != 403 || !strings.Contains(string(r.body), "cannot approve") {
			t.Fatalf("self-approval: %d %s", r.StatusCode, r.body)
		}
		if r := approve(approver, "c1", `{"decision":"maybe"}`); r.StatusCode != 400 {
			t.Fatalf("bad decision: %d %s", r.StatusCode, r.body)
		}
		if r := approve(approver, "c9", `{"decision":"approve"}`); r.StatusCode != 409 {
			t.Fatalf("unknown call: %d %s", r.StatusCode, r.body)
		}
		if r := approve(approver, "c1", `{"decision":"reject","reason":"no"}`); r.StatusCode != 200 || len(eng.decided) != 1 {
			t.Fatalf("reject: %d %s, decided %v", r.StatusCode, r.body, eng.decided)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		if r := f.call(http.MethodPost, "/v1/runs/"+id+"/cancel", stranger, ""); r.StatusCode != 404 {
			t.Fatalf("a stranger canceled: %d", r.StatusCode)
		}
		if r := f.call(http.MethodPost, "/v1/runs/"+id+"/cancel", runner, ""); r.StatusCode != http.StatusAccepted || len(eng.canceled) != 1 {
			t.Fatalf("cancel: %d %s", r.StatusCode, r.body)
		}
	})
}

func TestRunEvents(t *testing.T) {
	f, eng := agentsFixture(t)
	_, runner := f.token("agents:helper", "echo:call")
	_, stranger := f.token("echo:call")
	r := f.call(http.MethodPost, "/v1/agents/helper/runs", runner, `{"input":"x"}`)
	id := strings.TrimPrefix(r.Header.Get("Location"), "/v1/runs/")

	open := func(lastID string) (*bufio.Reader, func()) {
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/v1/runs/"+id+"/events", nil)
		req.Header.Set("Authorization", "Bearer "+runner)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := f.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
	}
	// next reads one event: its id, name and data.
	next := func(br *bufio.Reader) (id, name, data string) {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				return
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "event: "):
				name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			}
		}
	}

	br, done := open("")
	if _, name, data := next(br); name != "status" || !strings.Contains(data, "waiting_for_approval") {
		t.Fatalf("first event %s %s", name, data)
	}
	// The model writes its answer: each poll sends what is new.
	for i, text := range []string{"Hel", "Hello", "Hello, world"} {
		eng.set(id, func(v *agents.RunView) { v.Streaming = &agents.Streaming{Step: 0, Agent: "helper", Text: text} })
		eid, name, data := next(br)
		want := []string{"Hel", "lo", ", world"}[i]
		var d struct {
			Step  int    `json:"step"`
			Agent string `json:"agent"`
			Text  string `json:"text"`
		}
		if name != "delta" || eid != "" || json.Unmarshal([]byte(data), &d) != nil || d.Text != want || d.Agent != "helper" || d.Step != 0 {
			t.Fatalf("event %q %s %s, want the delta %q", eid, name, data, want)
		}
	}
	eng.mu.Lock() // the run moves on while the client listens
	v := eng.runs[id]
	v.Streaming = nil
	v.Status, v.PendingApprovals, v.Output = agents.StatusSucceeded, nil, "all done"
	v.Steps = []agents.Step{{Kind: "llm", Status: "ok"}, {Kind: "tool", Tool: "echo-echo", Status: "ok"}}
	eng.runs[id] = v
	eng.mu.Unlock()
	var names []string
	for {
		eid, name, data := next(br)
		names = append(names, name+eid)
		if name == "end" {
			if !strings.Contains(data, "all done") {
				t.Fatalf("end event %s", data)
			}
			break
		}
	}
	done()
	if strings.Join(names, ",") != "step0,step1,status,end" {
		t.Fatalf("events = %v", names)
	}

	br, done = open("0") // resume after the first step
	defer done()
	if eid, name, _ := next(br); name != "step" || eid != "1" {
		t.Fatalf("resumed at %s %s, want step 1", name, eid)
	}
	if r := f.call(http.MethodGet, "/v1/runs/"+id+"/events", stranger, ""); r.StatusCode != 404 {
		t.Fatalf("a stranger streamed the run: %d", r.StatusCode)
	}
	// The finished run's whole stream, checked event by event against the
	// document by the fixture's client; the engine's null pending calls
	// answer [], as the document says.
	r = f.call(http.MethodGet, "/v1/runs/"+id+"/events", runner, "")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), "event: end\n") || !strings.Contains(string(r.body), `"pending_approvals":[]`) {
		t.Fatalf("whole stream: %d %s", r.StatusCode, r.body)
	}
	if f.openapi.Seen()["GET /v1/runs/{id}/events 200"] == 0 {
		t.Fatalf("the stream was not checked: %v", f.openapi.Seen())
	}
}

// TestAgentRoutesFollowTheCatalog checks that a definition stored through
// the admin API's catalog is listed and runnable at once, and gone once
// deleted, without a restart.
func TestAgentRoutesFollowTheCatalog(t *testing.T) {
	eng := &engineMock{runs: map[string]agents.RunView{}}
	var cat *agents.Catalog
	f := newFixture(t, options{config: func(c *Config) {
		var err error
		cat, err = agents.NewCatalog(context.Background(), agents.Set{}, c.Runtime.DB().AgentDefinitions(), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Agents = &AgentRuns{Catalog: cat, Engine: eng}
	}})
	_, tok := f.token("agents:helper", "echo:call")
	if r := f.call(http.MethodPost, "/v1/agents/helper/runs", tok, `{"input":"x"}`); r.StatusCode != 404 {
		t.Fatalf("before the put: %d", r.StatusCode)
	}
	if _, _, err := cat.Put(context.Background(), "helper", []byte("name: helper\nmodel: {name: m}\ninstructions: help\ntools: [echo.echo]\n")); err != nil {
		t.Fatal(err)
	}
	if r := f.call(http.MethodGet, "/v1/agents", tok, ""); !strings.Contains(string(r.body), `"name":"helper"`) {
		t.Fatalf("after the put, the list is %s", r.body)
	}
	if r := f.call(http.MethodPost, "/v1/agents/helper/runs", tok, `{"input":"x"}`); r.StatusCode != http.StatusAccepted {
		t.Fatalf("after the put: %d %s", r.StatusCode, r.body)
	}
	if err := cat.Delete(context.Background(), "helper"); err != nil {
		t.Fatal(err)
	}
	if r := f.call(http.MethodPost, "/v1/agents/helper/runs", tok, `{"input":"x"}`); r.StatusCode != 404 {
		t.Fatalf("after the delete: %d", r.StatusCode)
	}
}
