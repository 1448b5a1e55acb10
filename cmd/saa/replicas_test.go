package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/internal/pgtest"
)

// cluster is what the replicas of one test share: the database and keys.
type cluster struct {
	url, plugins, publicURL string
	env                     []string
}

const replicaAdminPassword = "replicas-test-password"

func newCluster(t *testing.T) cluster {
	c := pgtest.Get(t)
	name, _ := c.NewDatabase(t)
	cl := cluster{
		url:       c.DSN(name, pgtest.Superuser, ""),
		plugins:   plugintest.Install(t, plugintest.FirstParty("echo"), plugintest.Hostile("spin")),
		publicURL: "http://saa.replicas.test", // one issuer and audience for every replica
	}
	agentsDir := t.TempDir()
	def := `name: echoer
description: Echoes with echo.echo.
model: { provider: default, name: fake, temperature: 0 }
instructions: Call echo-echo with the input, then answer with what it said.
tools: [echo.echo]
approval: none
limits: { max_turns: 4, max_tool_calls: 4, max_tokens: 10000, timeout: 1m }
`
	if err := os.WriteFile(filepath.Join(agentsDir, "echoer.yaml"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := llmtest.New(t)
	fake.Respond = echoerScript
	cl.env = []string{
		"SAA_AGENTS_DIR=" + agentsDir,
		"SAA_LLM_BASE_URL=" + fake.BaseURL(), "SAA_LLM_API_KEY=" + llmKey, "SAA_LLM_MODEL=",
		"SAA_DATABASE_URL=" + cl.url,
		"SAA_PLUGINS_DIR=" + cl.plugins,
		"SAA_PUBLIC_URL=" + cl.publicURL,
		"SAA_MASTER_KEY=" + newKey(t),
		"SAA_WEBHOOK_KEY=" + newKey(t),
		"JWT_PRIVATE_KEY=" + testSigningKey(t),
		"SAA_ADMIN_PASSWORD=" + replicaAdminPassword,
	}
	return cl
}

// echoerScript plays the model for the echoer agent: one echo call, then
// the answer.
func echoerScript(r llmtest.Request) llmtest.Turn {
	input, last := "", ""
	for _, m := range r.Messages {
		switch m.Role {
		case "user":
			input = m.Content
		case "tool":
			last = m.Content
		}
	}
	if last == "" {
		return llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "echo-echo", Arguments: fmt.Sprintf(`{"message":%q}`, input)}}}
	}
	return llmtest.Turn{Content: "echoed: " + last}
}

// replica starts one `saa serve` of the cluster, with its own data dir.
func (cl cluster) replica(t *testing.T, name string) *e2eServer {
	t.Helper()
	return startServe(t, freePort(t), t.TempDir(), append(cl.env, "SAA_REPLICA_ID="+name)...)
}

// Three `saa serve` processes on one PostgreSQL database act as one
// server: a client created on A gets a token from B and calls on C; an
// agent run started on A is read, finished, on C; a
// token revoked through A is refused by C within a second; an
// Idempotency-Key answered by A is replayed by B; async runs accepted on
// any replica all end, none lost, when one replica is SIGKILLed among them;
// and the audit chain the three wrote is one valid chain.
func TestReplicasShareOneServer(t *testing.T) {
	cl := newCluster(t)
	a := cl.replica(t, "replica-a")
	b, c := cl.replica(t, "replica-b"), cl.replica(t, "replica-c")
	admin := "Basic admin:" + replicaAdminPassword

	id, secret := a.newClient(admin, "echo:call", "hostile_spin:run")
	tok := b.token(id, secret, "echo:call", "hostile_spin:run")
	if r := c.postJSON("/v1/actions/echo/echo", tok, `{"message":"via C"}`); r.status != http.StatusOK || string(r.body) != `{"message":"via C"}` {
		t.Fatalf("echo on C with B's token: %d %s", r.status, r.body)
	}

	t.Run("idempotency key across replicas", func(t *testing.T) {
		first := a.postJSON("/v1/actions/echo/echo", tok, `{"message":"once"}`, "Idempotency-Key", "replicas-1")
		again := b.postJSON("/v1/actions/echo/echo", tok, `{"message":"once"}`, "Idempotency-Key", "replicas-1")
		if first.status != http.StatusOK || again.status != http.StatusOK || string(again.body) != string(first.body) {
			t.Fatalf("A: %d %s; B: %d %s", first.status, first.body, again.status, again.body)
		}
		if first.header.Get(httpapi.HeaderReplayed) != "" || again.header.Get(httpapi.HeaderReplayed) != "true" {
			t.Fatalf("%s: A %q, B %q; want B's answer replayed", httpapi.HeaderReplayed,
				first.header.Get(httpapi.HeaderReplayed), again.header.Get(httpapi.HeaderReplayed))
		}
		other := c.postJSON("/v1/actions/echo/echo", tok, `{"message":"other"}`, "Idempotency-Key", "replicas-1")
		if other.status != http.StatusUnprocessableEntity {
			t.Fatalf("same key, other request on C: %d %s; want 422", other.status, other.body)
		}
	})

	t.Run("agent run started on one replica, read on another", func(t *testing.T) {
		scopes := []string{"agents:echoer", "echo:call"}
		aid, asecret := a.newClient(admin, scopes...)
		atok := a.token(aid, asecret, scopes...)
		r := a.postJSON("/v1/agents/echoer/runs", atok, `{"input":"across replicas"}`)
		if r.status != http.StatusAccepted || !strings.HasPrefix(r.header.Get("Location"), "/v1/runs/run_") {
			t.Fatalf("start on A: %d %s", r.status, r.body)
		}
		var v agentRun
		checkFor(t, 60*time.Second, 50*time.Millisecond, func() error {
			got := c.request(http.MethodGet, r.header.Get("Location"), atok, nil)
			v = agentRun{}
			if err := json.Unmarshal(got.body, &v); got.status != http.StatusOK || err != nil {
				return fmt.Errorf("GET on C: %d %s", got.status, got.body)
			}
			if v.Status != "succeeded" {
				return fmt.Errorf("run is %s", v.Status)
			}
			return nil
		})
		if !strings.Contains(v.Output, "across replicas") {
			t.Fatalf("agent output %q", v.Output)
		}
	})

	t.Run("revocation seen by every replica within a second", func(t *testing.T) {
		doomed := b.token(id, secret, "echo:call", "hostile_spin:run")
		if r := c.postJSON("/v1/actions/echo/echo", doomed, `{"message":"before"}`); r.status != http.StatusOK {
			t.Fatalf("before revocation: %d %s", r.status, r.body)
		}
		form := url.Values{"token": {strings.TrimPrefix(doomed, "Bearer ")}}
		if r := a.request(http.MethodPost, "/oauth2/revoke", "Basic "+id+":"+secret, strings.NewReader(form.Encode()),
			"Content-Type", "application/x-www-form-urlencoded"); r.status != http.StatusOK {
			t.Fatalf("revoke on A: %d %s", r.status, r.body)
		}
		revoked := time.Now()
		for {
			r := c.postJSON("/v1/actions/echo/echo", doomed, `{"message":"after"}`)
			if r.status == http.StatusUnauthorized {
				t.Logf("C refused the revoked token after %s", time.Since(revoked).Round(time.Millisecond))
				break
			}
			if r.status != http.StatusOK || time.Since(revoked) > time.Second {
				t.Fatalf("C after %s: %d %s; want 401 within 1s", time.Since(revoked), r.status, r.body)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if r := c.postJSON("/v1/actions/echo/echo", tok, `{"message":"still"}`); r.status != http.StatusOK {
			t.Fatalf("another token of the client: %d %s", r.status, r.body)
		}
	})

	t.Run("SIGKILL of a replica loses no run", func(t *testing.T) {
		killReplicaDuringRuns(t, []*e2eServer{a, b, c}, tok)
	})

	t.Setenv("SAA_DATABASE_URL", cl.url)
	code, stdout, stderr := runCmd("audit", "verify", "--json")
	var rep audit.Report
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || !rep.OK || rep.Entries < 5 {
		t.Fatalf("audit verify = %d %s %s; want one intact chain", code, stdout, stderr)
	}
	t.Logf("audit chain: %d entries, intact", rep.Entries)
}

// killReplicaDuringRuns keeps every replica's workers busy with runs that
// spin until their 2 s deadline, submits echo runs to every replica, and
// SIGKILLs the second replica while both are in flight. Through the others
// it checks that each accepted run ends: echo runs succeeded or failed as
// interrupted, spin runs failed (their timeout, or interrupted), and the
// runs the dead replica held were interrupted — none lost or left running.
func killReplicaDuringRuns(t *testing.T, reps []*e2eServer, tok string) {
	// Two waves of spin runs: 4 workers on each of 3 replicas (runs.Config's
	// default) run 12 at once for 2 s, then 12 more.
	const spins, n = 24, 240
	var spinIDs []string
	for i := range spins {
		id, err := submitRun(reps[i%len(reps)].base, tok, "/v1/actions/hostile_spin/run", `{}`)
		if err != nil {
			t.Fatalf("spin run %d: %v", i, err)
		}
		spinIDs = append(spinIDs, id)
	}
	accepted := make(chan string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 12)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			id, err := submitRun(reps[i%len(reps)].base, tok, "/v1/actions/echo/echo", fmt.Sprintf(`{"message":"run %d"}`, i))
			if err != nil && i%len(reps) != 1 {
				t.Errorf("run %d on a live replica: %v", i, err)
			}
			if err == nil {
				accepted <- id
			}
		})
	}
	// The workers are spinning before the kill; with far more runs queued
	// than workers, the victim's are busy until it dies (checked below).
	checkFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		running := 0
		for _, id := range spinIDs {
			var v runs.View
			reps[0].decode(reps[0].request(http.MethodGet, "/v1/runs/"+id, tok, nil), http.StatusOK, &v)
			if v.Status == runs.StatusRunning {
				running++
			}
		}
		if running == 0 {
			return errors.New("no spin run is running yet")
		}
		return nil
	})
	if err := reps[1].stop(syscall.SIGKILL); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("exit = %v, want killed", err)
	}
	wg.Wait()
	close(accepted)
	// A run the dead replica held is failed once its lease runs out
	// (runs.DefaultLeaseTTL), by whichever live replica notices first.
	alive := []*e2eServer{reps[0], reps[2]}
	final := func(i int, runID string) runs.View {
		var v runs.View
		srv := alive[i%2]
		checkFor(t, 3*runs.DefaultLeaseTTL, 50*time.Millisecond, func() error {
			srv.decode(srv.request(http.MethodGet, "/v1/runs/"+runID, tok, nil), http.StatusOK, &v)
			if !v.Status.Done() {
				return fmt.Errorf("run %s is still %s", runID, v.Status)
			}
			return nil
		})
		return v
	}
	spun := map[string]int{}
	for i, runID := range spinIDs {
		v := final(i, runID)
		if v.Status != runs.StatusFailed || v.Error == nil {
			t.Fatalf("spin run %s: %s %+v, want failed", runID, v.Status, v.Error)
		}
		spun[v.Error.Kind]++
	}
	statuses := map[runs.Status]int{}
	i, total := 0, len(accepted)
	for runID := range accepted {
		v := final(i, runID)
		i++
		statuses[v.Status]++
		if v.Status == runs.StatusFailed && (v.Error == nil || v.Error.Kind != runs.KindInterrupted) {
			t.Errorf("run %s failed with %+v, want interrupted", runID, v.Error)
		}
	}
	if statuses[runs.StatusSucceeded]+statuses[runs.StatusFailed] != total || total < n/4 {
		t.Fatalf("final runs %v, want %d", statuses, total)
	}
	// Its workers were busy until the queue drained: the killed replica
	// held runs, which another replica failed as interrupted.
	if spun[runs.KindInterrupted]+statuses[runs.StatusFailed] == 0 {
		t.Fatalf("spin runs ended %v, echo runs %v: none was interrupted, so the killed replica held none", spun, statuses)
	}
	t.Logf("SIGKILL of one of three replicas: spin runs ended %v; %d of %d echo runs accepted, then %v", spun, total, n, statuses)
}

// submitRun posts an async run of the action at path and returns its id; an error means it
// was not accepted (the replica is dead, say).
func submitRun(base, tok, path, input string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(input))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Prefer", "respond-async")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("%d %s", resp.StatusCode, body)
	}
	return resp.Header.Get("X-Run-Id"), nil
}
