package pgstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/runs/runstore/runstoretest"
	"github.com/secure-agent/saa/host/store"
)

// BenchmarkRunLifecycle is one async run's store traffic (create with the
// quota check, start, finish) from concurrent goroutines: on bbolt, the
// embedded baseline, and on PostgreSQL through one pool and through two
// (two replicas). The throw-away cluster runs with fsync off; bbolt
// fsyncs each commit. Compare ns/op within one run.
func BenchmarkRunLifecycle(b *testing.B) {
	b.Run("bbolt", func(b *testing.B) {
		db, err := store.Open(filepath.Join(b.TempDir(), "saa.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchLifecycle(b, []runstore.Store{db.Runs()})
	})
	b.Run("postgres", func(b *testing.B) {
		benchLifecycle(b, []runstore.Store{newRunsDB(b).Runs()})
	})
	b.Run("postgres-2-pools", func(b *testing.B) {
		dbs := runsReplicasTB(b, 2)
		benchLifecycle(b, []runstore.Store{dbs[0].Runs(), dbs[1].Runs()})
	})
}

var benchSeq atomic.Int64

func benchLifecycle(b *testing.B, stores []runstore.Store) {
	ctx := context.Background()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := stores[int(benchSeq.Add(1))%len(stores)]
		for pb.Next() {
			r := runstoretest.Sample(fmt.Sprint("run-", benchSeq.Add(1)))
			r.CreatedAt = time.Now()
			if err := createChecked(ctx, s, r); err != nil {
				b.Fatal(err)
			}
			for _, st := range []runstore.Status{runstore.StatusRunning, runstore.StatusSucceeded} {
				if _, err := s.UpdateRun(ctx, r.ID, func(r *runstore.Run) error { r.Status = st; return nil }); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// createChecked creates r as host/runs does, with its quota check.
func createChecked(ctx context.Context, s runstore.Store, r runstore.Run) error {
	check := func(runstore.Usage) error { return nil }
	if qs, ok := s.(runstore.QuotaStore); ok {
		return qs.CreateRunWithin(ctx, r, check)
	}
	if _, err := s.RunUsage(ctx, r.ClientID); err != nil {
		return err
	}
	return s.CreateRun(ctx, r)
}
