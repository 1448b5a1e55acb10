package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs"
)

// TestE2ESIGKILLLosesNoRun accepts a burst of async runs, kills the server
// with SIGKILL while they execute, restarts it on the same data dir, and
// checks that every accepted run ends succeeded or failed: none is lost, and
// none is left queued or running.
func TestE2ESIGKILLLosesNoRun(t *testing.T) {
	addr, data := freePort(t), t.TempDir()
	srv := startServe(t, addr, data, "SAA_ADMIN_PASSWORD=crash-test-password")
	admin := "Basic admin:crash-test-password"
	id, secret := srv.newClient(admin, "echo:call")
	tok := srv.token(id, secret, "echo:call")

	const n = 120
	accepted := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := srv.postJSON("/v1/actions/echo/echo", tok, fmt.Sprintf(`{"message":"run %d"}`, i), "Prefer", "respond-async")
			if r.status != http.StatusAccepted {
				t.Errorf("run %d: %d %s", i, r.status, r.body)
				return
			}
			accepted <- r.header.Get("X-Run-Id")
		})
	}
	wg.Wait()
	close(accepted)
	if err := srv.stop(syscall.SIGKILL); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("exit = %v, want killed", err)
	}

	srv = startServe(t, addr, data, "SAA_ADMIN_PASSWORD=crash-test-password")
	statuses := map[runs.Status]int{}
	for runID := range accepted {
		var v runs.View
		checkFor(t, 30*time.Second, 20*time.Millisecond, func() error {
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
	t.Logf("after SIGKILL and restart: %v", statuses)
}
