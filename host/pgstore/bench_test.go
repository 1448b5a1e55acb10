package pgstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/audit/audittest"
	"github.com/secure-agent/saa/host/pgstore"
)

// BenchmarkAuditAppend measures one chained append (advisory lock, head
// read, entry and head written in one transaction) beside the floor: the
// same entry inserted into an unchained table with a generated key, and
// beside the same chained append without the lock (one writer). Parallel
// (8 writers per core, two pools as two replicas) adds waiting for the
// lock: its ns/op is the cluster's time per append (or per batch of 64).
func BenchmarkAuditAppend(b *testing.B) {
	url, admin := newDatabase(b)
	mustExec(b, admin, `CREATE TABLE bench_log (seq bigserial PRIMARY KEY, entry bytea NOT NULL)`)
	dbs := []*pgstore.DB{Open(b, url), Open(b, url)}
	data, _ := json.Marshal(audittest.Sample(1))
	ctx := context.Background()
	insert := func(i int) error {
		_, err := dbs[i%2].Pool().Exec(ctx, `INSERT INTO bench_log (entry) VALUES ($1)`, data)
		return err
	}
	unlocked := func(i int) error {
		return dbs[0].Audit().(*pgstore.AuditStore).AppendUnlocked(ctx, audittest.Sample(i))
	}
	batch64 := func(i int) error {
		es := make([]audit.Entry, 64)
		for j := range es {
			es[j] = audittest.Sample(i*64 + j)
		}
		_, err := dbs[i%2].Audit().AppendBatch(ctx, es)
		return err
	}
	chained := func(i int) error {
		_, err := dbs[i%2].Audit().Append(ctx, audittest.Sample(i))
		return err
	}
	// Serial: the three alternate call by call, so that the load of a
	// shared machine falls on each alike; one writer keeps the chain valid
	// without the lock. Medians, in µs.
	b.Run("serial", func(b *testing.B) {
		ops := []func(int) error{insert, unlocked, chained}
		took := make([][]time.Duration, len(ops))
		for i := 0; b.Loop(); i++ {
			for j, op := range ops {
				start := time.Now()
				if err := op(i); err != nil {
					b.Fatal(err)
				}
				took[j] = append(took[j], time.Since(start))
			}
		}
		med := make([]float64, len(ops))
		for j := range ops {
			med[j] = float64(median(took[j])) / 1e3
		}
		b.ReportMetric(med[0], "insert-µs")
		b.ReportMetric(med[1], "chained-unlocked-µs")
		b.ReportMetric(med[2], "chained-locked-µs")
		b.ReportMetric(med[2]/med[1], "locked/unlocked")
		b.ReportMetric(med[2]/med[0], "locked/insert")
	})
	cases := []struct {
		name     string
		parallel bool
		fn       func(int) error
	}{
		{"parallel/unchained-insert", true, insert},
		{"parallel/chained-locked", true, chained},
		// The runtime queues entries and appends them in batches; ns/op here
		// is per batch of 64.
		{"parallel/chained-locked-batch64", true, batch64},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { run(b, c.parallel, c.fn) })
	}
}

// BenchmarkRevocationEpoch measures the read every token verification
// makes: from the listener's copy beside a query per call.
func BenchmarkRevocationEpoch(b *testing.B) {
	url, _ := newDatabase(b)
	db := Open(b, url)
	s := db.Auth()
	ctx := context.Background()
	b.Run("query", func(b *testing.B) {
		run(b, true, func(int) error { _, err := db.ReadEpoch(ctx); return err })
	})
	b.Run("listener", func(b *testing.B) {
		run(b, true, func(int) error { _, err := s.RevocationEpoch(ctx); return err })
	})
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func run(b *testing.B, parallel bool, fn func(int) error) {
	if !parallel {
		for i := 0; b.Loop(); i++ {
			if err := fn(i); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := fn(i); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
