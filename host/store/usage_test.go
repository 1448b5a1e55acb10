package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/runs/runstore/runstoretest"
	"github.com/secure-agent/saa/host/store"
)

// TestUsageIsCountedForOlderDatabases: a database written before usage
// was counted gets its counters when it is opened.
func TestUsageIsCountedForOlderDatabases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "saa.db")
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := db.Runs().CreateRun(ctx, runstoretest.Sample(fmt.Sprint("r", i))); err != nil {
			t.Fatal(err)
		}
	}
	rec := runstore.IdempotencyRecord{ClientID: "client-a", Key: "k", ExpiresAt: time.Now().Add(time.Hour)}
	if _, _, err := db.Idempotency().ClaimIdempotency(ctx, rec, time.Now()); err != nil {
		t.Fatal(err)
	}
	want, _ := db.Runs().RunUsage(ctx, "client-a")
	wantIdem, _ := db.Idempotency().IdempotencyUsage(ctx, "client-a")
	db.Close()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("usage")) }); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db = openDB(t, path)
	got, _ := db.Runs().RunUsage(ctx, "client-a")
	gotIdem, _ := db.Idempotency().IdempotencyUsage(ctx, "client-a")
	if got != want || want.Count != 3 || gotIdem != wantIdem || wantIdem.Count != 1 {
		t.Errorf("rebuilt usage: runs %+v (want %+v), idempotency %+v (want %+v)", got, want, gotIdem, wantIdem)
	}
}

// TestCompactReclaimsSpace: deleting records leaves the file as large as
// it was; Compact shrinks it, keeps what is left, and refuses while the
// database is open.
func TestCompactReclaimsSpace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "saa.db")
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	for i := range 20 {
		r := runstoretest.Sample(fmt.Sprint("r", i))
		r.Status, r.Callback, r.Output = runstore.StatusSucceeded, runstore.Callback{}, big
		r.CreatedAt = time.Now().Add(-48 * time.Hour)
		if err := db.Runs().CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	keep := runstoretest.Sample("keep")
	keep.CreatedAt = time.Now()
	if err := db.Runs().CreateRun(ctx, keep); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Runs().PurgeRuns(ctx, time.Now().Add(-time.Hour)); err != nil || n != 20 {
		t.Fatalf("purge = %d, %v", n, err)
	}
	if _, _, err := store.Compact(path); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Compact while open = %v, want ErrLocked", err)
	}
	db.Close()
	before, after, err := store.Compact(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compacted %d -> %d bytes", before, after)
	if before < 20<<20 || after > before/4 {
		t.Errorf("compacted %d -> %d bytes, want the 20 MiB of purged runs back", before, after)
	}
	db = openDB(t, path)
	if _, err := db.Runs().GetRun(ctx, "keep"); err != nil {
		t.Errorf("the kept run is gone: %v", err)
	}
	if u, _ := db.Runs().RunUsage(ctx, "client-a"); u.Count != 1 {
		t.Errorf("usage after compaction: %+v", u)
	}
}
