package pgstore_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/audit/audittest"
)

func TestAuditStoreConformance(t *testing.T) {
	audittest.TestStore(t, func(t *testing.T) audit.Store {
		url, _ := newDatabase(t)
		return Open(t, url).Audit()
	})
}

// Two replicas (two pools) appending at once, singly and in batches,
// build one chain that verifies whole.
func TestAuditOneChainAcrossReplicas(t *testing.T) {
	url, _ := newDatabase(t)
	replicas := []audit.Store{Open(t, url).Audit(), Open(t, url).Audit()}
	const writers, each = 8, 12
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			s := replicas[w%2]
			for i := range each {
				var err error
				if i%4 == 3 {
					_, err = s.AppendBatch(context.Background(), []audit.Entry{audittest.Sample(w*each + i), audittest.Sample(w*each + i)})
				} else {
					_, err = s.Append(context.Background(), audittest.Sample(w*each+i))
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	const want = writers * (each + each/4)
	for i, s := range replicas {
		r, err := s.Verify(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK || r.Entries != want {
			t.Fatalf("replica %d verifies %+v, want %d intact entries", i, r, want)
		}
	}
}

// Editing the stored log directly, as someone with write access to the
// database could, is found by Verify.
func TestAuditTamperDetected(t *testing.T) {
	cases := []struct {
		name, sql string
		broken    uint64
		reason    string
	}{
		{"edited outcome", `UPDATE audit_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '"outcome":"ok"', '"outcome":"ok!"'), 'UTF8') WHERE seq = 3`, 3, "hash does not match"},
		{"deleted in the middle", `DELETE FROM audit_entries WHERE seq = 2`, 2, "entry 2 is missing"},
		{"deleted at the end", `DELETE FROM audit_entries WHERE seq = 5`, 5, "missing from the end"},
		{"garbage", `UPDATE audit_entries SET entry = '\x7b6e6f74' WHERE seq = 3`, 3, "cannot be decoded"},
		{"head deleted", `DELETE FROM audit_head`, 1, "recorded head 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, admin := newDatabase(t)
			s := Open(t, url).Audit()
			appendN(t, s, 5)
			mustExec(t, admin, c.sql)
			r, err := s.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.BrokenSeq != c.broken || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("verify = %+v, want broken at %d with %q", r, c.broken, c.reason)
			}
		})
	}
}

// After the head record is lost, appends continue after the last entry.
func TestAuditAppendAfterLostHead(t *testing.T) {
	url, admin := newDatabase(t)
	s := Open(t, url).Audit()
	appendN(t, s, 3)
	mustExec(t, admin, `DELETE FROM audit_head`)
	got, err := s.Append(context.Background(), audittest.Sample(9))
	if err != nil || got.Seq != 4 {
		t.Fatalf("append = seq %d, %v; want 4", got.Seq, err)
	}
	if r, err := s.Verify(context.Background()); err != nil || !r.OK || r.Entries != 4 {
		t.Fatalf("verify = %+v, %v", r, err)
	}
}

func appendN(t testing.TB, s audit.Store, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Append(context.Background(), audittest.Sample(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func mustExec(t testing.TB, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// FuzzAuditListBounds lists with arbitrary cursors and limits (the admin
// API takes them from the query string): a page holds exactly the entries
// of the range in order, whatever the bounds, including those beyond a
// bigint.
func FuzzAuditListBounds(f *testing.F) {
	for _, seed := range []struct {
		after, before uint64
		limit         int
		desc          bool
	}{
		{0, 0, 0, false}, {2, 5, 2, false}, {0, 3, 1, true}, {math.MaxUint64, 0, 5, false},
		{0, math.MaxUint64, 3, true}, {math.MaxInt64, math.MaxInt64 + 1, -1, true}, {7, 1, 2000, false},
	} {
		f.Add(seed.after, seed.before, seed.limit, seed.desc)
	}
	const n = 6
	url, _ := newDatabase(f)
	s := Open(f, url).Audit()
	appendN(f, s, n)
	f.Fuzz(func(t *testing.T, after, before uint64, limit int, desc bool) {
		f := audit.Filter{AfterSeq: after, BeforeSeq: before, Limit: limit, Desc: desc}
		page, err := s.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		var want []uint64
		for seq := uint64(1); seq <= n; seq++ {
			if seq > after && (before == 0 || seq < before) {
				want = append(want, seq)
			}
		}
		if desc {
			slices.Reverse(want)
		}
		more := len(want) > f.PageSize()
		want = want[:min(len(want), f.PageSize())]
		if got := seqs(page.Entries); !slices.Equal(got, want) {
			t.Fatalf("%+v: seqs %v, want %v", f, got, want)
		}
		if (page.Next != 0) != more {
			t.Fatalf("%+v: next %d, want more = %v", f, page.Next, more)
		}
	})
}

func seqs(es []audit.Entry) []uint64 {
	out := []uint64{}
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}
