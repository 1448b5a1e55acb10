package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/runs/runstore/runstoretest"
	"github.com/secure-agent/saa/internal/pgtest"
)

// runsReplicas opens n pools on one new database, as n replicas would.
func runsReplicas(t *testing.T, n int) []*pgstore.DB { return runsReplicasTB(t, n) }

func runsReplicasTB(t testing.TB, n int) []*pgstore.DB {
	t.Helper()
	c := pgtest.Get(t)
	name, _ := c.NewDatabase(t)
	out := make([]*pgstore.DB, n)
	for i := range out {
		db, err := pgstore.Open(context.Background(), c.DSN(name, pgtest.Superuser, ""))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out[i] = db
	}
	return out
}

// Replicas claiming queued runs at once (FOR UPDATE SKIP LOCKED) each get
// different runs, and every run is claimed exactly once.
func TestRunsClaimedOnceAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	dbs := runsReplicas(t, 2)
	const runs = 40
	for i := range runs {
		r := runstoretest.Sample(fmt.Sprintf("run-%02d", i))
		r.CreatedAt = r.CreatedAt.Add(time.Duration(i) * time.Millisecond)
		if err := dbs[0].Runs().CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claims := map[string][]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		db, owner := dbs[w%2], fmt.Sprintf("replica-%d", w%2)
		wg.Go(func() {
			for {
				r, ok, err := db.Runs().ClaimRun(ctx, owner, time.Now(), time.Now().Add(time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				claims[r.ID] = append(claims[r.ID], owner)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claims) != runs {
		t.Errorf("%d runs claimed, want all %d", len(claims), runs)
	}
	for id, by := range claims {
		if len(by) != 1 {
			t.Errorf("%s claimed %d times (by %v)", id, len(by), by)
		}
		if r, err := dbs[1].Runs().GetRun(ctx, id); err != nil || r.Status != runstore.StatusRunning {
			t.Errorf("%s after its claim: %+v, %v", id, r.Status, err)
		}
	}
}

// A run's lease holds while its replica renews it; once it runs out, every
// replica sees the run as its dead replica's.
func TestRunLeaseExpires(t *testing.T) {
	ctx := context.Background()
	dbs := runsReplicas(t, 2)
	a, b := dbs[0].Runs(), dbs[1].Runs()
	now := time.Now()
	for _, id := range []string{"held", "lapsed"} {
		if err := a.CreateRun(ctx, runstoretest.Sample(id)); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(owner string) string {
		t.Helper()
		r, ok, err := a.ClaimRun(ctx, owner, now, now.Add(10*time.Second))
		if err != nil || !ok {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		return r.ID
	}
	claim("alive")
	claim("dead")
	if _, ok, err := b.ClaimRun(ctx, "other", now, now.Add(time.Minute)); ok || err != nil {
		t.Fatalf("a third claim of two runs: %v, %v", ok, err)
	}
	if expired := expiredIDs(t, b, now.Add(5*time.Second)); len(expired) != 0 {
		t.Errorf("before the leases end: expired %v", expired)
	}
	if n, err := a.RenewLeases(ctx, "alive", now.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("renew = %d, %v; want 1", n, err)
	}
	if expired := expiredIDs(t, b, now.Add(20*time.Second)); len(expired) != 1 || expired[0] != "lapsed" {
		t.Errorf("after the dead replica's lease ended: expired %v, want [lapsed]", expired)
	}
	// Finishing a run ends its lease: it is no longer running anyone's.
	_, err := b.UpdateRun(ctx, "lapsed", func(r *runstore.Run) error { r.Status = runstore.StatusFailed; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := a.RenewLeases(ctx, "dead", now.Add(time.Hour)); n != 0 {
		t.Errorf("a finished run's lease was renewed")
	}
	if expired := expiredIDs(t, b, now.Add(2*time.Minute)); len(expired) != 1 || expired[0] != "held" {
		t.Errorf("expired %v, want [held]", expired)
	}
	if _, _, err := a.ClaimRun(ctx, "", now, now); err == nil {
		t.Error("a claim without an owner succeeded")
	}
}

func expiredIDs(t *testing.T, s runstore.LeaseStore, now time.Time) []string {
	t.Helper()
	runs, err := s.ExpiredRuns(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}

// Quota checks are race-free across replicas: runs created at once for one
// client through two pools never pass the limit together.
func TestRunQuotaAcrossReplicas(t *testing.T) {
	dbs := runsReplicas(t, 2)
	const limit = 5
	errFull := errors.New("over quota")
	check := func(u runstore.Usage) error {
		if u.Count >= limit {
			return errFull
		}
		return nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, refused := 0, 0
	for i := range 20 {
		wg.Go(func() {
			err := dbs[i%2].Runs().CreateRunWithin(context.Background(), runstoretest.Sample(fmt.Sprint("r", i)), check)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, errFull):
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	u, err := dbs[0].Runs().RunUsage(context.Background(), "client-a")
	if err != nil {
		t.Fatal(err)
	}
	if created != limit || refused != 20-limit || u.Count != limit {
		t.Errorf("created %d, refused %d, usage %+v; want exactly %d created", created, refused, u, limit)
	}
}

// The agent runs of a replica that stopped beating are taken over by one
// replica only, however many ask at once; a live replica's never are.
func TestAgentExecutorTakenOverOnce(t *testing.T) {
	ctx := context.Background()
	dbs := runsReplicas(t, 2)
	now := time.Now()
	if err := dbs[0].AgentExecutors().Beat(ctx, "dead", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := dbs[1].AgentExecutors().Beat(ctx, "alive", now); err != nil {
		t.Fatal(err)
	}
	if err := dbs[1].AgentExecutors().Beat(ctx, "", now); err == nil {
		t.Error("a beat without an id succeeded")
	}
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ids, err := dbs[i%2].AgentExecutors().TakeOver(ctx, now.Add(-time.Minute))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			got = append(got, ids...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(got) != 1 || got[0] != "dead" {
		t.Errorf("taken over: %v, want [dead] once", got)
	}
}
