// Package audittest is the conformance suite for audit.Store backends: every
// implementation runs TestStore against real instances (host/store runs it on
// bbolt files in t.TempDir()). It is test support only and must never be
// imported by production code.
package audittest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
)

// TestStore checks that the stores newStore returns behave as audit.Store
// says. newStore must return an empty store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) audit.Store) {
	t.Helper()
	t.Run("append assigns seq and chains hashes", func(t *testing.T) { testAppendChain(t, newStore(t)) })
	t.Run("append keeps every field", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("append ignores seq and hashes given", func(t *testing.T) { testAppendOverrides(t, newStore(t)) })
	t.Run("append rejects invalid entries", func(t *testing.T) { testAppendInvalid(t, newStore(t)) })
	t.Run("concurrent appends form one chain", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("append batch chains in order, all or none", func(t *testing.T) { testAppendBatch(t, newStore(t)) })
	t.Run("list filters", func(t *testing.T) { testListFilters(t, newStore(t)) })
	t.Run("list pages", func(t *testing.T) { testListPages(t, newStore(t)) })
	t.Run("verify empty log", func(t *testing.T) { testVerifyEmpty(t, newStore(t)) })
	t.Run("canceled context", func(t *testing.T) { testCanceled(t, newStore(t)) })
}

// base is a fixed instant with microseconds, the precision Log gives.
var base = time.Date(2030, 1, 2, 3, 4, 5, 678_901_000, time.UTC)

// Sample returns a valid invoke entry; i varies its time and run id.
func Sample(i int) audit.Entry {
	return audit.Entry{
		Time:        base.Add(time.Duration(i) * time.Second),
		Kind:        audit.KindInvoke,
		ClientID:    "client-a",
		Subject:     "user-1",
		Plugin:      "echo",
		Action:      "echo",
		InputSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Egress:      []string{"https://api.example.com"},
		Secrets:     []string{"token"},
		Reads:       []string{"support:tickets.status"},
		Outcome:     audit.OutcomeOK,
		DurationMS:  12,
		RunID:       fmt.Sprintf("run-%d", i),
	}
}

func mustAppend(t *testing.T, s audit.Store, e audit.Entry) audit.Entry {
	t.Helper()
	got, err := s.Append(context.Background(), e)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return got
}

func mustVerify(t *testing.T, s audit.Store) audit.Report {
	t.Helper()
	r, err := s.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

func testAppendChain(t *testing.T, s audit.Store) {
	prev := ""
	for i := range 3 {
		got := mustAppend(t, s, Sample(i))
		if got.Seq != uint64(i+1) {
			t.Errorf("entry %d: seq %d, want %d", i, got.Seq, i+1)
		}
		if got.PrevHash != prev {
			t.Errorf("entry %d: prev hash %q, want %q", i, got.PrevHash, prev)
		}
		if got.Hash == "" || got.Hash != got.ComputeHash() {
			t.Errorf("entry %d: hash %q, want %q", i, got.Hash, got.ComputeHash())
		}
		prev = got.Hash
	}
	r := mustVerify(t, s)
	if !r.OK || r.Entries != 3 || r.LastSeq != 3 || r.LastHash != prev {
		t.Errorf("verify = %+v, want ok with 3 entries ending at %s", r, prev)
	}
}

func testRoundTrip(t *testing.T, s audit.Store) {
	admin := audit.Entry{
		Time: base, Kind: audit.KindAdmin, Subject: "admin", Delegation: []string{"agent-x", "svc-y"},
		Action: "client.create", Outcome: "forbidden", Error: "no such scope", Detail: "name=ci scopes=echo:call",
	}
	for name, in := range map[string]audit.Entry{"invoke": Sample(1), "admin": admin} {
		stored := mustAppend(t, s, in)
		page, err := s.List(context.Background(), audit.Filter{AfterSeq: stored.Seq - 1, Limit: 1})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("%s: list = %v, %v", name, page, err)
		}
		if d := diff(page.Entries[0], stored); d != "" {
			t.Errorf("%s: listed entry differs from appended: %s", name, d)
		}
		in.Seq, in.PrevHash, in.Hash = stored.Seq, stored.PrevHash, stored.Hash
		if d := diff(stored, in); d != "" {
			t.Errorf("%s: stored entry differs from input: %s", name, d)
		}
	}
}

func testAppendOverrides(t *testing.T, s audit.Store) {
	e := Sample(0)
	e.Seq, e.PrevHash, e.Hash = 42, "forged", "forged"
	got := mustAppend(t, s, e)
	if got.Seq != 1 || got.PrevHash != "" || got.Hash != got.ComputeHash() {
		t.Errorf("append = seq %d prev %q hash %q; want the store's own", got.Seq, got.PrevHash, got.Hash)
	}
}

func testAppendInvalid(t *testing.T, s audit.Store) {
	cases := map[string]func(*audit.Entry){
		"unknown kind":   func(e *audit.Entry) { e.Kind = "other" },
		"no outcome":     func(e *audit.Entry) { e.Outcome = "" },
		"no time":        func(e *audit.Entry) { e.Time = time.Time{} },
		"no action":      func(e *audit.Entry) { e.Action = "" },
		"negative took":  func(e *audit.Entry) { e.DurationMS = -1 },
		"time too large": func(e *audit.Entry) { e.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, mutate := range cases {
		e := Sample(0)
		mutate(&e)
		if _, err := s.Append(context.Background(), e); !errors.Is(err, audit.ErrInvalidEntry) {
			t.Errorf("%s: err = %v, want ErrInvalidEntry", name, err)
		}
	}
	if r := mustVerify(t, s); r.Entries != 0 || !r.OK {
		t.Errorf("after rejected appends verify = %+v, want an empty intact log", r)
	}
}

func testConcurrent(t *testing.T, s audit.Store) {
	const writers, each = 16, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(context.Background(), Sample(w*each+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("append: %v", err)
	}
	if r := mustVerify(t, s); !r.OK || r.Entries != writers*each {
		t.Fatalf("verify = %+v, want %d intact entries", r, writers*each)
	}
	all := listAll(t, s, audit.Filter{Limit: 7})
	if len(all) != writers*each {
		t.Fatalf("listed %d entries, want %d", len(all), writers*each)
	}
}

func testVerifyEmpty(t *testing.T, s audit.Store) {
	if r := mustVerify(t, s); !r.OK || r.Entries != 0 || r.Err() != nil {
		t.Errorf("verify of an empty log = %+v", r)
	}
	page, err := s.List(context.Background(), audit.Filter{})
	if err != nil || len(page.Entries) != 0 || page.Next != 0 {
		t.Errorf("list of an empty log = %+v, %v", page, err)
	}
}

func testCanceled(t *testing.T, s audit.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, Sample(0)); !errors.Is(err, context.Canceled) {
		t.Errorf("append with a canceled context: err = %v", err)
	}
	if r := mustVerify(t, s); r.Entries != 0 {
		t.Errorf("a canceled append was stored: %+v", r)
	}
}

// listAll follows f's cursor to the end and returns every entry listed.
func listAll(t *testing.T, s audit.Store, f audit.Filter) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for range 10_000 {
		page, err := s.List(context.Background(), f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		if len(page.Entries) > f.PageSize() {
			t.Fatalf("page of %d entries exceeds limit %d", len(page.Entries), f.PageSize())
		}
		out = append(out, page.Entries...)
		if page.Next == 0 {
			return out
		}
		if f.Desc {
			f.BeforeSeq = page.Next
		} else {
			f.AfterSeq = page.Next
		}
	}
	t.Fatal("list never ended")
	return nil
}

func seqs(entries []audit.Entry) []uint64 {
	out := make([]uint64, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Seq)
	}
	return out
}

// diff describes how a and b differ, comparing times as instants and empty
// lists as equal.
func diff(a, b audit.Entry) string {
	if !a.Time.Equal(b.Time) {
		return fmt.Sprintf("time %v != %v", a.Time, b.Time)
	}
	a.Time, b.Time = time.Time{}, time.Time{}
	for _, l := range []*[]string{&a.Delegation, &a.Egress, &a.Secrets, &a.Reads, &b.Delegation, &b.Egress, &b.Secrets, &b.Reads} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%+v != %+v", a, b)
	}
	return ""
}

func testAppendBatch(t *testing.T, s audit.Store) {
	mustAppend(t, s, Sample(0))
	got, err := s.AppendBatch(context.Background(), []audit.Entry{Sample(1), Sample(2), Sample(3)})
	if err != nil {
		t.Fatalf("append batch: %v", err)
	}
	for i, e := range got {
		if e.Seq != uint64(i+2) || e.RunID != Sample(i+1).RunID {
			t.Errorf("batch entry %d: seq %d run %s, want seq %d run %s", i, e.Seq, e.RunID, i+2, Sample(i+1).RunID)
		}
	}
	bad := Sample(4)
	bad.Outcome = ""
	if _, err := s.AppendBatch(context.Background(), []audit.Entry{Sample(4), bad}); !errors.Is(err, audit.ErrInvalidEntry) {
		t.Fatalf("batch with an invalid entry: err = %v, want ErrInvalidEntry", err)
	}
	if r := mustVerify(t, s); r.Err() != nil || r.LastSeq != 4 {
		t.Fatalf("after batches: %+v, want a valid chain of 4 (the bad batch wrote nothing)", r)
	}
}
