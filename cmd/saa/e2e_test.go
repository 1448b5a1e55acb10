package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/httpapi/lint"
	"github.com/secure-agent/saa/host/runs"
)

// TestE2EWalkthrough starts the real binary and walks the README's
// walkthrough: the admin creates a client, the client gets a token and calls
// an action, sees each error where it belongs, runs an async call whose
// callback a local receiver verifies, and the admin reads the audit log and
// verifies its chain. Then the server stops on SIGTERM.
func TestE2EWalkthrough(t *testing.T) {
	srv := startServe(t, freePort(t), t.TempDir())
	admin := "Basic admin:" + srv.adminPassword()
	if !strings.Contains(srv.stdout.String(), `"$BASE/v1/actions/echo/echo"`) {
		t.Errorf("no walkthrough in the welcome text:\n%s", srv.stdout.String())
	}

	clientID, secret := srv.newClient(admin, "echo:call")
	tok := srv.token(clientID, secret, "echo:call")
	var runIDs []string

	t.Run("call the action", func(t *testing.T) {
		r := srv.postJSON("/v1/actions/echo/echo", tok, `{"message":"hello"}`)
		if r.status != 200 || string(r.body) != `{"message":"hello"}` || r.header.Get("X-Run-Id") == "" {
			t.Fatalf("%d %s %v", r.status, r.body, r.header)
		}
		runIDs = append(runIDs, r.header.Get("X-Run-Id"))
	})
	t.Run("catalog", func(t *testing.T) {
		var c struct {
			Actions []struct{ Plugin, Name string } `json:"actions"`
		}
		srv.decode(srv.request(http.MethodGet, "/v1/actions", tok, nil), 200, &c)
		if len(c.Actions) != 1 || c.Actions[0].Plugin != "echo" {
			t.Errorf("catalog %+v", c)
		}
		var tools []map[string]any
		srv.decode(srv.request(http.MethodGet, "/v1/actions?format=openai", tok, nil), 200, &tools)
		if len(tools) != 1 || tools[0]["type"] != "function" {
			t.Errorf("openai tools %v", tools)
		}
	})
	t.Run("errors where they belong", func(t *testing.T) { e2eErrors(t, srv, admin, tok) })
	t.Run("async with a verified callback", func(t *testing.T) {
		runIDs = append(runIDs, e2eCallback(t, srv, admin, clientID, tok))
	})
	t.Run("openapi passes the linter", func(t *testing.T) { e2eLint(t, srv) })
	t.Run("audit log and chain", func(t *testing.T) { e2eAudit(t, srv, admin, clientID, runIDs) })
	t.Run("metrics", func(t *testing.T) {
		body := string(srv.request(http.MethodGet, "/metrics", "", nil).body)
		for _, want := range []string{`saa_invocations_total{action="echo",outcome="ok",plugin="echo"}`, "saa_tokens_issued_total",
			`saa_egress_requests_total{host="127.0.0.1",verdict="allowed"}`, `saa_pool_instances{plugin="echo"`} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
	t.Run("logs carry no secrets", func(t *testing.T) {
		logs := srv.stderr.String()
		for _, secret := range []string{secret, strings.TrimPrefix(tok, "Bearer "), srv.adminPassword(), `"message":"hello"`} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs contain %.12s...", secret)
			}
		}
		if !strings.Contains(logs, `"request_id"`) {
			t.Error("the logs have no request ids")
		}
	})
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// e2eErrors checks 401, 403, 404, 413, 415, 422 and 429.
func e2eErrors(t *testing.T, srv *e2eServer, admin, tok string) {
	otherID, otherSecret := srv.newClient(admin, "tickets:read", "tickets:write")
	other := srv.token(otherID, otherSecret, "tickets:read")
	limitedID, limitedSecret := srv.newClient(admin, "echo:call")
	limited := srv.token(limitedID, limitedSecret, "echo:call")
	r := srv.request(http.MethodPut, "/admin/api/v1/limits/"+limitedID, admin, strings.NewReader(`{"rate":0.01,"burst":1}`))
	if r.status != 200 {
		t.Fatalf("set limits: %d %s", r.status, r.body)
	}
	srv.postJSON("/v1/actions/echo/echo", limited, `{"message":"first"}`)
	big := `{"message":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, path, token, body string
		headers                 []string
		status                  int
		kind                    string
	}{
		{"no token", "/v1/actions/echo/echo", "", `{"message":"x"}`, nil, 401, "invalid-token"},
		{"forged token", "/v1/actions/echo/echo", "Bearer eyJhbGciOiJub25lIn0.e30.", `{"message":"x"}`, nil, 401, "invalid-token"},
		{"token without the scope", "/v1/actions/echo/echo", other, `{"message":"x"}`, nil, 403, "insufficient-scope"},
		{"unknown action", "/v1/actions/echo/shout", tok, `{"message":"x"}`, nil, 404, "not-found"},
		{"body too big", "/v1/actions/echo/echo", tok, big, nil, 413, "payload-too-large"},
		{"not JSON", "/v1/actions/echo/echo", tok, `message=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported-media-type"},
		{"input against the schema", "/v1/actions/echo/echo", tok, `{"message":42}`, nil, 422, "invalid-input"},
		{"over the client's rate", "/v1/actions/echo/echo", limited, `{"message":"again"}`, nil, 429, "rate-limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := srv.postJSON(tt.path, tt.token, tt.body, tt.headers...)
			if r.status != tt.status || r.kind() != tt.kind {
				t.Fatalf("%d %s, want %d %s", r.status, tail(string(r.body), 300), tt.status, tt.kind)
			}
			if tt.status == 429 && r.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			if tt.status == 401 && !strings.Contains(r.header.Get("WWW-Authenticate"), "resource_metadata") {
				t.Errorf("401 WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// e2eCallback runs an async call with a callback to a receiver on
// 127.0.0.1 that verifies the signature with the client's webhook secret,
// and returns the run id.
func e2eCallback(t *testing.T, srv *e2eServer, admin, clientID, tok string) string {
	var ws struct {
		Secret string `json:"webhook_secret"`
	}
	srv.decode(srv.request(http.MethodGet, "/admin/api/v1/webhook-secrets/"+clientID, admin, nil), 200, &ws)
	key, err := runs.ParseSecret(ws.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []runs.View
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := runs.Verify(key, r.Header, body, time.Minute); err != nil {
			t.Errorf("callback signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var v runs.View
		json.Unmarshal(body, &v)
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
	}))
	defer receiver.Close()

	r := srv.postJSON("/v1/actions/echo/echo", tok, `{"message":"call me back"}`,
		"Prefer", "respond-async", "Callback-Url", receiver.URL+"/saa-done")
	id := r.header.Get("X-Run-Id")
	if r.status != http.StatusAccepted || r.header.Get("Location") != "/v1/runs/"+id {
		t.Fatalf("%d %s %v", r.status, r.body, r.header)
	}
	checkFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			return errPending
		}
		return nil
	})
	if v := got[0]; v.ID != id || v.Status != runs.StatusSucceeded || string(v.Output) != `{"message":"call me back"}` {
		t.Errorf("callback %+v", v)
	}
	var v runs.View
	srv.decode(srv.request(http.MethodGet, "/v1/runs/"+id, tok, nil), 200, &v)
	if v.Status != runs.StatusSucceeded || v.StartedAt.IsZero() || v.FinishedAt.IsZero() {
		t.Errorf("run %+v", v)
	}
	return id
}

// e2eLint lints the served /openapi.json with Redocly CLI.
func e2eLint(t *testing.T, srv *e2eServer) {
	r := srv.request(http.MethodGet, "/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := lint.Redocly(path); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(r.body), `"/v1/actions/echo/echo"`) {
		t.Error("the document lacks the echo action")
	}
}

// e2eAudit reads the client's audit entries, finds every run id, and checks
// the chain both with the server's verification and by recomputing it.
func e2eAudit(t *testing.T, srv *e2eServer, admin, clientID string, runIDs []string) {
	var page struct {
		Entries []audit.Entry `json:"entries"`
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		srv.decode(srv.request(http.MethodGet, "/admin/api/v1/audit?client_id="+clientID, admin, nil), 200, &page)
		seen := map[string]bool{}
		for _, e := range page.Entries {
			seen[e.RunID] = true
		}
		for _, id := range runIDs {
			if !seen[id] {
				return fmt.Errorf("run %s not in the audit log yet", id)
			}
		}
		return nil
	})
	var rep audit.Report
	srv.decode(srv.request(http.MethodGet, "/admin/api/v1/audit/verify", admin, nil), 200, &rep)
	if !rep.OK || rep.Entries == 0 {
		t.Fatalf("verify: %+v", rep)
	}
	var all struct {
		Entries []audit.Entry `json:"entries"`
	}
	srv.decode(srv.request(http.MethodGet, "/admin/api/v1/audit?limit=1000", admin, nil), 200, &all)
	prev := ""
	for _, e := range all.Entries {
		if e.PrevHash != prev || e.ComputeHash() != e.Hash {
			t.Fatalf("chain broken at seq %d", e.Seq)
		}
		prev = e.Hash
	}
}
