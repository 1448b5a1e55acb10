package store_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/audit/audittest"
	"github.com/secure-agent/saa/host/store"
)

func openDB(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestAuditStoreConformance(t *testing.T) {
	audittest.TestStore(t, func(t *testing.T) audit.Store {
		return openDB(t, filepath.Join(t.TempDir(), "saa.db")).Audit()
	})
}

// rawEdit opens the file (which the test closed first) with bbolt directly,
// as someone with write access to the data dir could, and runs fn.
func rawEdit(t *testing.T, path string, fn func(entries, meta *bolt.Bucket) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bolt.Tx) error {
		return fn(tx.Bucket([]byte("audit")), tx.Bucket([]byte("audit_meta")))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func key(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// rewrite decodes entry seq, lets edit change it, and stores it back.
func rewrite(entries *bolt.Bucket, seq uint64, edit func(*audit.Entry)) error {
	var e audit.Entry
	if err := json.Unmarshal(entries.Get(key(seq)), &e); err != nil {
		return err
	}
	edit(&e)
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return entries.Put(key(seq), data)
}

func TestAuditTamperDetected(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(entries, meta *bolt.Bucket) error
		broken uint64
		reason string
	}{
		{"edited outcome", func(e, _ *bolt.Bucket) error {
			return rewrite(e, 3, func(e *audit.Entry) { e.Outcome = audit.OutcomeOK + "!" })
		}, 3, "hash does not match"},
		{"edited and rehashed", func(e, _ *bolt.Bucket) error {
			return rewrite(e, 3, func(e *audit.Entry) { e.ClientID = "someone-else"; e.Hash = e.ComputeHash() })
		}, 4, "prev_hash does not match"},
		{"deleted in the middle", func(e, _ *bolt.Bucket) error { return e.Delete(key(2)) }, 2, "entry 2 is missing"},
		{"deleted at the end", func(e, _ *bolt.Bucket) error { return e.Delete(key(5)) }, 5, "missing from the end"},
		{"swapped", func(e, _ *bolt.Bucket) error {
			two, three := append([]byte(nil), e.Get(key(2))...), append([]byte(nil), e.Get(key(3))...)
			if err := e.Put(key(2), three); err != nil {
				return err
			}
			return e.Put(key(3), two)
		}, 2, "says it is 3"},
		{"renumbered", func(e, _ *bolt.Bucket) error {
			return rewrite(e, 4, func(e *audit.Entry) { e.Seq = 40 })
		}, 4, "says it is 40"},
		{"garbage", func(e, _ *bolt.Bucket) error { return e.Put(key(3), []byte("{not json")) }, 3, "cannot be decoded"},
		{"foreign key", func(e, _ *bolt.Bucket) error { return e.Put([]byte("x"), []byte("{}")) }, 6, "malformed key"},
		{"head record deleted", func(_, m *bolt.Bucket) error { return m.Delete([]byte("head")) }, 1, "recorded head 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "saa.db")
			db := openDB(t, path)
			appendN(t, db.Audit(), 5)
			if r := verify(t, db.Audit()); !r.OK {
				t.Fatalf("before tampering: %+v", r)
			}
			_ = db.Close()
			rawEdit(t, path, c.edit)

			r := verify(t, openDB(t, path).Audit())
			if r.OK || r.BrokenSeq != c.broken || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("verify = %+v, want broken at %d with %q", r, c.broken, c.reason)
			}
			if err := r.Err(); err == nil || !strings.Contains(err.Error(), "audit chain broken") {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// After the head record is lost, appends continue after the last entry and
// never overwrite one.
func TestAuditAppendAfterLostHead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "saa.db")
	db := openDB(t, path)
	appendN(t, db.Audit(), 3)
	_ = db.Close()
	rawEdit(t, path, func(_, m *bolt.Bucket) error { return m.Delete([]byte("head")) })

	s := openDB(t, path).Audit()
	got, err := s.Append(context.Background(), audittest.Sample(9))
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != 4 {
		t.Errorf("seq = %d, want 4", got.Seq)
	}
	if r := verify(t, s); !r.OK || r.Entries != 4 {
		t.Errorf("verify = %+v, want 4 intact entries", r)
	}
}

func appendN(t testing.TB, s *store.AuditStore, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Append(context.Background(), audittest.Sample(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, s *store.AuditStore) audit.Report {
	t.Helper()
	r, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// BenchmarkAuditAppend measures concurrent appends, which bbolt's Batch
// coalesces into shared commits, and reports their throughput against
// appends made one at a time in the same run.
func BenchmarkAuditAppend(b *testing.B) {
	s := openDB(b, filepath.Join(b.TempDir(), "saa.db")).Audit()
	const serial = 20
	start := time.Now()
	appendN(b, s, serial)
	perSerial := time.Since(start) / serial

	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := s.Append(context.Background(), audittest.Sample(i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	perParallel := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perSerial)/float64(perParallel), "x-serial-throughput")
}
