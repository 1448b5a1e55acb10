package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/runs"
)

// llmKey is the provider key given to the server; it must never appear in
// any byte the server stores, logs or answers.
const llmKey = "sk-e2e-NEVER-STORE-4f1c9a7e2b"

// triageScript plays the model for the example agents: triage hands off,
// the analyst analyses, proposes an issue titled after the input, then
// answers with what the last tool said.
func triageScript(r llmtest.Request) llmtest.Turn {
	system, input, last := "", "", ""
	tools := 0
	for _, m := range r.Messages {
		switch m.Role {
		case "system":
			system = m.Content
		case "user":
			input = m.Content
		case "tool":
			last, tools = m.Content, tools+1
		}
	}
	call := func(name, args string) llmtest.Turn {
		return llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: fmt.Sprintf("call_%d", tools), Name: name, Arguments: args}}}
	}
	switch {
	case strings.Contains(system, "You triage"):
		return call("transfer_to_analyst", `{}`)
	case !strings.Contains(last, `"total"`) && tools <= 1:
		return call("tickets-analyze", `{"tickets":[{"id":1,"status":"open","priority":"urgent","created_at":"2026-01-01T00:00:00Z","title":"Login broken"}]}`)
	case strings.Contains(last, `"total"`):
		return call("github-create_issue", fmt.Sprintf(`{"owner":"acme","repo":"widgets","title":%q}`, input))
	}
	return llmtest.Turn{Content: "done: " + last}
}

// issueAPI is a GitHub stand-in; hang holds create requests until released.
type issueAPI struct {
	*httptest.Server
	mu      sync.Mutex
	titles  []string
	hang    chan struct{}
	arrived chan string
}

func newIssueAPI(t *testing.T) *issueAPI {
	a := &issueAPI{arrived: make(chan string, 16)}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Title string }
		json.NewDecoder(r.Body).Decode(&body)
		a.mu.Lock()
		a.titles = append(a.titles, body.Title)
		hang := a.hang
		a.mu.Unlock()
		a.arrived <- body.Title
		if hang != nil {
			<-hang
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"number":7,"title":%q,"state":"open","html_url":"https://github.com/acme/widgets/issues/7"}`, body.Title)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *issueAPI) count(title string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, t := range a.titles {
		if t == title {
			n++
		}
	}
	return n
}

// agentPlugins lays out echo, tickets and github (aimed at api) in a fresh
// plugins folder, using the modules make build produced.
func agentPlugins(t *testing.T, api string) string {
	t.Helper()
	repo := filepath.Dir(e2eManifests(t))
	root := t.TempDir()
	for _, name := range []string{"echo", "tickets", "github"} {
		m, err := os.ReadFile(filepath.Join(repo, "manifests", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		m = bytes.ReplaceAll(m, []byte("https://api.github.com"), []byte(api))
		wasm, err := os.ReadFile(filepath.Join(repo, "plugins", name, name+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(root, "manifests"), 0o755)
		os.MkdirAll(filepath.Join(root, "plugins", name), 0o755)
		os.WriteFile(filepath.Join(root, "manifests", name+".yaml"), m, 0o644)
		os.WriteFile(filepath.Join(root, "plugins", name, name+".wasm"), wasm, 0o644)
	}
	return filepath.Join(root, "manifests")
}

// agentRun is GET /v1/runs/{id} of an agent run.
type agentRun struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Output  string `json:"output"`
	Pending []struct {
		CallID string `json:"call_id"`
		Tool   string `json:"tool"`
	} `json:"pending_approvals"`
	Steps []struct {
		Kind, Tool, Status string
	} `json:"steps"`
}

func TestE2EAgents(t *testing.T) {
	fake := llmtest.New(t)
	fake.Respond = triageScript
	api := newIssueAPI(t)
	hooks := make(chan *http.Request, 8)
	hookBodies := make(chan []byte, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- r
		hookBodies <- b
	}))
	defer hook.Close()

	addr, data := freePort(t), t.TempDir()
	env := []string{
		"SAA_PLUGINS_DIR=" + agentPlugins(t, api.URL),
		"SAA_AGENTS_DIR=" + filepath.Join(filepath.Dir(e2eManifests(t)), "manifests", "agents"),
		"SAA_LLM_BASE_URL=" + fake.BaseURL(), "SAA_LLM_API_KEY=" + llmKey, "SAA_LLM_MODEL=",
		`SAA_PLUGIN_CONFIG={"github":{"base_url":"` + api.URL + `"}}`,
	}
	srv := startServe(t, addr, data, env...)
	servers := []*e2eServer{srv}
	parent := t // owns the restarted server, which outlives its subtest
	admin := "Basic admin:" + srv.adminPassword()
	var answers bytes.Buffer // every response body, searched for the key at the end
	put := srv.request(http.MethodPut, "/admin/api/v1/secrets/github/token", admin, strings.NewReader(`{"value":"ghp_e2e"}`), "Content-Type", "application/json")
	if put.status/100 != 2 {
		t.Fatalf("set github token: %d %s", put.status, put.body)
	}
	if r := srv.request(http.MethodGet, "/admin/api/v1/secrets", admin, nil); !strings.Contains(string(r.body), `"plugin":"llm","name":"default"`) {
		t.Fatalf("the LLM key is not listed among the secrets: %s", r.body)
	}
	if r := srv.request(http.MethodPut, "/admin/api/v1/secrets/llm/default", admin, strings.NewReader(`{"value":"`+llmKey+`"}`), "Content-Type", "application/json"); r.status/100 != 2 {
		t.Fatalf("an admin cannot set the LLM key: %d %s", r.status, r.body)
	}
	runnerID, runnerSecret := srv.newClient(admin, "agents:triage", "agents:analyst", "tickets:analyze", "github:issues.write")
	approverID, approverSecret := srv.newClient(admin, "runs:approve")
	runner := srv.token(runnerID, runnerSecret, "agents:triage", "agents:analyst", "tickets:analyze", "github:issues.write")
	approver := srv.token(approverID, approverSecret, "runs:approve")
	var whsec struct {
		Secret string `json:"webhook_secret"`
	}
	srv.decode(srv.request(http.MethodGet, "/admin/api/v1/webhook-secrets/"+runnerID, admin, nil), http.StatusOK, &whsec)
	hookKey, err := runs.ParseSecret(whsec.Secret)
	if err != nil {
		t.Fatal(err)
	}

	waitFor := func(s *e2eServer, id, status string) agentRun {
		var v agentRun
		checkFor(t, 60*time.Second, 50*time.Millisecond, func() error {
			r := s.request(http.MethodGet, "/v1/runs/"+id, runner, nil)
			answers.Write(r.body)
			v = agentRun{}
			if err := json.Unmarshal(r.body, &v); r.status != http.StatusOK || err != nil {
				return fmt.Errorf("GET run %s: %d %s", id, r.status, r.body)
			}
			if v.Status != status {
				return fmt.Errorf("run %s is %s, want %s", id, v.Status, status)
			}
			return nil
		})
		return v
	}
	start := func(s *e2eServer, input string, headers ...string) string {
		r := s.postJSON("/v1/agents/triage/runs", runner, fmt.Sprintf(`{"input":%q}`, input), headers...)
		answers.Write(r.body)
		if r.status != http.StatusAccepted || !strings.HasPrefix(r.header.Get("Location"), "/v1/runs/run_") {
			t.Fatalf("start: %d %s %v", r.status, r.body, r.header)
		}
		return strings.TrimPrefix(r.header.Get("Location"), "/v1/runs/")
	}
	decide := func(s *e2eServer, tok, id, call, decision, reason string) reply {
		r := s.postJSON("/v1/runs/"+id+"/approvals/"+call, tok, fmt.Sprintf(`{"decision":%q,"reason":%q}`, decision, reason))
		answers.Write(r.body)
		return r
	}

	t.Run("agents listed", func(t *testing.T) {
		r := srv.request(http.MethodGet, "/v1/agents", runner, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"name":"analyst"`) || !strings.Contains(string(r.body), `"name":"triage"`) {
			t.Fatalf("GET /v1/agents: %d %s", r.status, r.body)
		}
		if r := srv.request(http.MethodGet, "/v1/agents", approver, nil); strings.Contains(string(r.body), "triage") {
			t.Fatalf("a client without agents:triage sees it: %s", r.body)
		}
	})

	t.Run("approval then completion with a signed callback", func(t *testing.T) {
		id := start(srv, "Issue one", "Callback-Url", hook.URL)
		v := waitFor(srv, id, "waiting_for_approval")
		if len(v.Pending) != 1 || v.Pending[0].Tool != "github-create_issue" || api.count("Issue one") != 0 {
			t.Fatalf("pending = %+v, issues created early: %d", v.Pending, api.count("Issue one"))
		}
		if r := decide(srv, runner, id, v.Pending[0].CallID, "approve", ""); r.status != http.StatusForbidden {
			t.Fatalf("the runner approved its own call: %d %s", r.status, r.body)
		}
		if r := decide(srv, approver, id, v.Pending[0].CallID, "approve", ""); r.status != http.StatusOK {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		v = waitFor(srv, id, "succeeded")
		if api.count("Issue one") != 1 || !strings.Contains(v.Output, `"number":7`) {
			t.Fatalf("output %q, issues %d", v.Output, api.count("Issue one"))
		}
		select {
		case r := <-hooks:
			body := <-hookBodies
			answers.Write(body)
			if err := runs.Verify(hookKey, r.Header, body, time.Minute); err != nil || !strings.Contains(string(body), id) {
				t.Fatalf("callback %s: %v", body, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no callback")
		}
	})

	t.Run("rejection goes back to the model", func(t *testing.T) {
		id := start(srv, "Issue two")
		v := waitFor(srv, id, "waiting_for_approval")
		if r := decide(srv, approver, id, v.Pending[0].CallID, "reject", "a duplicate of #7"); r.status != http.StatusOK {
			t.Fatalf("reject: %d %s", r.status, r.body)
		}
		v = waitFor(srv, id, "succeeded")
		if api.count("Issue two") != 0 || !strings.Contains(v.Output, "a duplicate of #7") {
			t.Fatalf("output %q, issues %d", v.Output, api.count("Issue two"))
		}
		r := srv.request(http.MethodGet, "/admin/api/v1/audit?plugin=github", admin, nil)
		for _, want := range []string{`"action":"agent.call.approve"`, `"action":"agent.call.reject"`, "a duplicate of #7"} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("the audit log lacks %s: %s", want, r.body)
			}
		}
	})

	t.Run("SIGKILL mid-call, then resume without calling twice", func(t *testing.T) {
		release := make(chan struct{})
		api.mu.Lock()
		api.hang = release
		api.mu.Unlock()
		id := start(srv, "Issue three")
		v := waitFor(srv, id, "waiting_for_approval")
		if r := decide(srv, approver, id, v.Pending[0].CallID, "approve", ""); r.status != http.StatusOK {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		for arrived := false; !arrived; {
			select {
			case title := <-api.arrived:
				arrived = title == "Issue three"
			case <-time.After(30 * time.Second):
				t.Fatal("the approved call never reached the API")
			}
		}
		srv.stop(syscall.SIGKILL) // the call is in flight
		api.mu.Lock()
		api.hang = nil
		api.mu.Unlock()
		close(release)

		srv = startServe(parent, addr, data, env...)
		servers = append(servers, srv)
		v = waitFor(srv, id, "succeeded")
		if n := api.count("Issue three"); n != 1 {
			t.Fatalf("the write reached the API %d times", n)
		}
		interrupted := false
		for _, s := range v.Steps {
			interrupted = interrupted || (s.Tool == "github-create_issue" && s.Status == "interrupted")
		}
		if !interrupted || !strings.Contains(v.Output, "interrupted") {
			t.Fatalf("steps %+v, output %q: the call must be reported interrupted", v.Steps, v.Output)
		}
	})

	t.Run("saa agent run --server runs the same agents with the tools remote", func(t *testing.T) {
		local := llmtest.New(t) // the CLI's own model, keyless
		local.Respond = triageScript
		t.Setenv("SAA_AGENTS_DIR", filepath.Join(filepath.Dir(e2eManifests(t)), "manifests", "agents"))
		t.Setenv("SAA_LLM_BASE_URL", local.BaseURL())
		t.Setenv("SAA_LLM_API_KEY", "")
		t.Setenv("SAA_EGRESS_ALLOW_CIDRS", "127.0.0.1/32")
		var out, errOut bytes.Buffer
		code := run(t.Context(), []string{"agent", "run", "triage", "--input", "Issue four", "--server", srv.base,
			"--client-id", runnerID, "--client-secret", runnerSecret, "--approve", "none",
			"--scopes", "agents:triage,agents:analyst,tickets:analyze,github:issues.write"}, &out, &errOut)
		// The analysis ran on the server; the proposed write needed an
		// approval that --approve none refuses, and the model was told.
		if code != 0 || !strings.Contains(out.String(), "needs a human's approval") || api.count("Issue four") != 0 {
			t.Fatalf("exit %d, stdout %q, stderr %q, issues %d", code, out.String(), errOut.String(), api.count("Issue four"))
		}
	})

	t.Run("the LLM key is in no stored byte, log line or answer", func(t *testing.T) {
		for _, r := range fake.Requests() {
			if r.Authorization != "Bearer "+llmKey {
				t.Fatalf("the guard did not inject the key: %q", r.Authorization)
			}
		}
		srv.stop(syscall.SIGTERM)
		filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(path)
			if bytes.Contains(b, []byte(llmKey)) {
				t.Errorf("the key is stored in %s", path)
			}
			return nil
		})
		for i, s := range servers {
			if strings.Contains(s.stderr.String()+s.stdout.String(), llmKey) {
				t.Errorf("the key appears in the logs of server %d", i)
			}
		}
		if strings.Contains(answers.String(), llmKey) {
			t.Error("the key appears in an answer")
		}
	})
}
