package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/httpapi"
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
		plugins:   plugintest.Install(t, plugintest.FirstParty("echo")),
		publicURL: "http://saa.replicas.test", // one issuer and audience for every replica
	}
	cl.env = []string{
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

// replica starts one `saa serve` of the cluster, with its own data dir.
func (cl cluster) replica(t *testing.T, name string) *e2eServer {
	t.Helper()
	return startServe(t, freePort(t), t.TempDir(), append(cl.env, "SAA_REPLICA_ID="+name)...)
}

// Three `saa serve` processes on one PostgreSQL database act as one
// server: a client created on A gets a token from B and calls on C; a
// token revoked through A is refused by C within a second; an
// Idempotency-Key answered by A is replayed by B; async runs accepted on
// any replica all end, none lost, when one replica is SIGKILLed among them;
// and the audit chain the three wrote is one valid chain.
func TestReplicasShareOneServer(t *testing.T) {
	cl := newCluster(t)
	a := cl.replica(t, "replica-a")
	b, c := cl.replica(t, "replica-b"), cl.replica(t, "replica-c")
	admin := "Basic admin:" + replicaAdminPassword

	id, secret := a.newClient(admin, "echo:call")
	tok := b.token(id, secret, "echo:call")
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

	t.Run("revocation seen by every replica within a second", func(t *testing.T) {
		doomed := b.token(id, secret, "echo:call")
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

// killReplicaDuringRuns submits async runs to every replica, SIGKILLs the
// second while they execute, and checks through the others that each
// accepted run ends succeeded, or failed as interrupted.
func killReplicaDuringRuns(t *testing.T, reps []*e2eServer, tok string) {
	const n = 90
	accepted := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := reps[i%len(reps)].postJSON("/v1/actions/echo/echo", tok, fmt.Sprintf(`{"message":"run %d"}`, i), "Prefer", "respond-async")
			if r.status != http.StatusAccepted {
				t.Errorf("run %d: %d %s", i, r.status, r.body)
				return
			}
			accepted <- r.header.Get("X-Run-Id")
		})
	}
	wg.Wait()
	close(accepted)
	if err := reps[1].stop(syscall.SIGKILL); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("exit = %v, want killed", err)
	}
	// A run the dead replica held is failed once its lease runs out
	// (runs.DefaultLeaseTTL), by whichever live replica notices first.
	alive := []*e2eServer{reps[0], reps[2]}
	statuses := map[runs.Status]int{}
	i := 0
	for runID := range accepted {
		var v runs.View
		srv := alive[i%2]
		i++
		checkFor(t, 2*runs.DefaultLeaseTTL, 50*time.Millisecond, func() error {
			srv.decode(srv.request(http.MethodGet, "/v1/runs/"+runID, tok, nil), http.StatusOK, &v)
			if !v.Status.Done() {
				return fmt.Errorf("run %s is still %s", runID, v.Status)
			}
			return nil
		})
		statuses[v.Status]++
		if v.Status == runs.StatusFailed && (v.Error == nil || v.Error.Kind != runs.KindInterrupted) {
			t.Errorf("run %s failed with %+v, want interrupted", runID, v.Error)
		}
	}
	if statuses[runs.StatusSucceeded]+statuses[runs.StatusFailed] != n {
		t.Fatalf("final runs %v, want %d", statuses, n)
	}
	t.Logf("after SIGKILL of one of three replicas: %v", statuses)
}
