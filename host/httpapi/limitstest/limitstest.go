// Package limitstest is the conformance suite for the stores that keep
// the limits an admin set per client (httpapi.DocumentStore): every backend
// runs TestDocumentStore against real instances (host/store on bbolt files
// in t.TempDir(), host/pgstore on a throw-away PostgreSQL). It is test
// support only and must never be imported by production code.
package limitstest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host/httpapi"
)

// TestDocumentStore checks that the stores newStore returns behave as
// httpapi.DocumentStore says, alone and under httpapi.StoredLimits.
// newStore must return an empty store each time.
func TestDocumentStore(t *testing.T, newStore func(t *testing.T) httpapi.DocumentStore) {
	t.Helper()
	t.Run("missing", func(t *testing.T) { testMissing(t, newStore(t)) })
	t.Run("put, replace and delete", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("clients are separate", func(t *testing.T) { testSeparate(t, newStore(t)) })
	t.Run("empty client id", func(t *testing.T) { testEmptyID(t, newStore(t)) })
	t.Run("concurrent puts", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("stored limits", func(t *testing.T) { testStoredLimits(t, newStore(t)) })
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func get(t *testing.T, s httpapi.DocumentStore, id string) (string, bool) {
	t.Helper()
	doc, ok, err := s.Get(context.Background(), id)
	must(t, err, "get "+id)
	return string(doc), ok
}

func testMissing(t *testing.T, s httpapi.DocumentStore) {
	if doc, ok := get(t, s, "nobody"); ok || doc != "" {
		t.Errorf("get of a client without limits = %q, %v; want nothing", doc, ok)
	}
	must(t, s.Delete(context.Background(), "nobody"), "delete of a client without limits")
}

func testRoundTrip(t *testing.T, s httpapi.DocumentStore) {
	ctx := context.Background()
	first, second := `{"rate":5,"burst":10}`, `{"rate":1,"burst":1,"concurrency":1}`
	must(t, s.Put(ctx, "c1", []byte(first)), "put")
	if doc, ok := get(t, s, "c1"); !ok || doc != first {
		t.Errorf("get = %q, %v; want %q", doc, ok, first)
	}
	must(t, s.Put(ctx, "c1", []byte(second)), "replace")
	if doc, ok := get(t, s, "c1"); !ok || doc != second {
		t.Errorf("after replace: %q, %v; want %q", doc, ok, second)
	}
	must(t, s.Delete(ctx, "c1"), "delete")
	if doc, ok := get(t, s, "c1"); ok {
		t.Errorf("after delete: %q is still there", doc)
	}
	must(t, s.Delete(ctx, "c1"), "delete again")
}

func testSeparate(t *testing.T, s httpapi.DocumentStore) {
	ctx := context.Background()
	must(t, s.Put(ctx, "c1", []byte(`{"rate":1}`)), "put c1")
	must(t, s.Put(ctx, "c2", []byte(`{"rate":2}`)), "put c2")
	must(t, s.Delete(ctx, "c1"), "delete c1")
	if doc, ok := get(t, s, "c2"); !ok || doc != `{"rate":2}` {
		t.Errorf("deleting c1 changed c2: %q, %v", doc, ok)
	}
	if _, ok := get(t, s, "c"); ok {
		t.Error("a prefix of a client id has its limits")
	}
}

func testEmptyID(t *testing.T, s httpapi.DocumentStore) {
	if err := s.Put(context.Background(), "", []byte(`{}`)); err == nil {
		t.Error("put with an empty client id succeeded")
	}
}

// testConcurrent: concurrent puts leave exactly one of the documents
// written, whole.
func testConcurrent(t *testing.T, s httpapi.DocumentStore) {
	const n = 16
	written := map[string]bool{}
	var wg sync.WaitGroup
	for i := range n {
		doc := fmt.Sprintf(`{"rate":%d,"burst":%d}`, i+1, 2*(i+1))
		written[doc] = true
		wg.Go(func() {
			if err := s.Put(context.Background(), "c1", []byte(doc)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if doc, ok := get(t, s, "c1"); !ok || !written[doc] {
		t.Errorf("after concurrent puts: %q, %v; want one of the documents written", doc, ok)
	}
}

// testStoredLimits runs httpapi.StoredLimits, the LimitStore the server
// uses, on the store.
func testStoredLimits(t *testing.T, s httpapi.DocumentStore) {
	ctx := context.Background()
	ls := httpapi.StoredLimits{Docs: s}
	want := httpapi.ClientLimits{Rate: 5, Burst: 10, Concurrency: 2}
	must(t, ls.SetClientLimits(ctx, "c1", want), "set")
	if got, ok, err := ls.ClientLimits(ctx, "c1"); err != nil || !ok || got != want {
		t.Errorf("limits = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	must(t, s.Put(ctx, "c2", []byte(`{"rate":`)), "put a damaged document")
	if _, _, err := ls.ClientLimits(ctx, "c2"); err == nil {
		t.Error("a damaged document decoded without an error")
	}
	must(t, ls.DeleteClientLimits(ctx, "c1"), "delete")
	if _, ok, err := ls.ClientLimits(ctx, "c1"); ok || err != nil {
		t.Errorf("after delete: ok = %v, err = %v", ok, err)
	}
}
