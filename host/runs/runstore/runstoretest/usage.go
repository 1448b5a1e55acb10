package runstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// testRunUsage checks that RunUsage follows every create, update and purge,
// per client, and that bytes grow and shrink with the stored run.
func testRunUsage(t *testing.T, s runstore.Store) {
	ctx := context.Background()
	usage := func(client string) runstore.Usage {
		t.Helper()
		u, err := s.RunUsage(ctx, client)
		must(t, err, "usage")
		return u
	}
	if u := usage("client-a"); u != (runstore.Usage{}) {
		t.Fatalf("empty store: usage %+v", u)
	}
	old := variant("old", 0, runstore.StatusSucceeded, runstore.DeliveryNone)
	must(t, s.CreateRun(ctx, old), "create")
	must(t, s.CreateRun(ctx, Sample("r2")), "create")
	other := Sample("r3")
	other.ClientID = "client-b"
	must(t, s.CreateRun(ctx, other), "create")
	a := usage("client-a")
	if a.Count != 2 || a.Bytes <= 0 {
		t.Fatalf("client-a usage %+v, want 2 runs", a)
	}
	_, err := s.UpdateRun(ctx, "r2", func(r *runstore.Run) error {
		r.Output = make([]byte, 10000)
		return nil
	})
	must(t, err, "update")
	if grown := usage("client-a"); grown.Count != 2 || grown.Bytes < a.Bytes+10000 {
		t.Errorf("after a 10000-byte output: %+v, was %+v", grown, a)
	}
	n, err := s.PurgeRuns(ctx, base.Add(time.Hour))
	must(t, err, "purge")
	if u := usage("client-a"); n != 1 || u.Count != 1 {
		t.Errorf("after purging %d: %+v, want 1 run left", n, u)
	}
	if b := usage("client-b"); b.Count != 1 {
		t.Errorf("client-b usage %+v, want its 1 run", b)
	}
}

// testIdemUsage checks that IdempotencyUsage follows claims, replacements,
// updates, deletes and purges, per client.
func testIdemUsage(t *testing.T, s runstore.IdempotencyStore) {
	ctx := context.Background()
	usage := func(client string) runstore.Usage {
		t.Helper()
		u, err := s.IdempotencyUsage(ctx, client)
		must(t, err, "usage")
		return u
	}
	soon, later := base.Add(time.Minute), base.Add(time.Hour)
	claim(t, s, record("a", "k1", "h1", soon), base)
	claim(t, s, record("a", "k2", "h2", later), base)
	claim(t, s, record("b", "k1", "h3", later), base)
	if u := usage("a"); u.Count != 2 || u.Bytes <= 0 {
		t.Fatalf("usage of a = %+v, want 2 records", u)
	}
	before := usage("a")
	_, err := s.UpdateIdempotency(ctx, "a", "k2", func(r *runstore.IdempotencyRecord) error {
		r.Done, r.Response = true, runstore.Response{Status: 200, Body: make([]byte, 5000)}
		return nil
	})
	must(t, err, "update")
	if u := usage("a"); u.Count != 2 || u.Bytes < before.Bytes+5000 {
		t.Errorf("after storing a 5000-byte response: %+v, was %+v", u, before)
	}
	claim(t, s, record("a", "k1", "h4", later), soon) // replaces the expired one
	if u := usage("a"); u.Count != 2 {
		t.Errorf("after replacing an expired record: %+v", u)
	}
	must(t, s.DeleteIdempotency(ctx, "a", "k1"), "delete")
	if u := usage("a"); u.Count != 1 {
		t.Errorf("after a delete: %+v", u)
	}
	n, err := s.PurgeIdempotency(ctx, later)
	must(t, err, "purge")
	if u, b := usage("a"), usage("b"); n != 2 || u != (runstore.Usage{}) || b != (runstore.Usage{}) {
		t.Errorf("after purging %d: a %+v, b %+v; want nothing left", n, u, b)
	}
}
