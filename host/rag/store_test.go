package rag_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/rag"
)

var ctx = context.Background()

// clock is a settable clock for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func openStore(t testing.TB, dir string, mod func(*rag.Options)) *rag.Store {
	t.Helper()
	o := rag.Options{Dir: dir, MasterKey: testKey(7)}
	if mod != nil {
		mod(&o)
	}
	s, err := rag.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ticketsJSON is a support-ticket export with one needle in it.
func ticketsJSON(n int) []byte {
	type ticket struct {
		ID     int    `json:"id"`
		Title  string `json:"title"`
		Body   string `json:"body"`
		Status string `json:"status"`
	}
	var ts []ticket
	for i := range n {
		ts = append(ts, ticket{i, fmt.Sprintf("Ticket %d about printer setup", i), "The office printer shows a paper jam on tray two after the update.", "open"})
	}
	ts[n/2] = ticket{n / 2, "Refund for duplicate invoice INV-4471", "Customer was charged twice for the annual plan; refund the duplicate payment.", "pending"}
	b, _ := json.Marshal(map[string]any{"tickets": ts})
	return b
}

const alice, bob = "client-a\x00alice", "client-a\x00bob"

func TestIngestSearchExpand(t *testing.T) {
	s := openStore(t, t.TempDir(), nil)
	env, err := s.Ingest(ctx, alice, ticketsJSON(200), "tickets.list")
	if err != nil {
		t.Fatal(err)
	}
	if !rag.ValidHandle(env.Handle) || env.Chunks != 200 || env.Summary.Members["tickets"].Count != 200 {
		t.Fatalf("envelope = %+v", env)
	}
	if keys := env.Summary.Members["tickets"].Keys; strings.Join(keys, ",") != "body,id,status,title" {
		t.Errorf("item keys = %v", keys)
	}
	hits, err := s.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund duplicate invoice payment", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 || hits[0].Pointer != "/tickets/100" || !strings.Contains(hits[0].Text, "INV-4471") {
		t.Fatalf("hits = %+v", hits)
	}
	chunks, err := s.Chunks(ctx, alice, env.Handle, hits[0].ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 3 || chunks[0].Pointer != "/tickets/99" || chunks[2].Pointer != "/tickets/101" {
		t.Fatalf("neighbours = %+v", chunks)
	}

	t.Run("k of a million is clamped to the collection", func(t *testing.T) {
		small, err := s.Ingest(ctx, alice, ticketsJSON(20), "")
		if err != nil {
			t.Fatal(err)
		}
		hits, err := s.Search(ctx, alice, small.Handle, rag.SearchOptions{Query: "printer", K: 1_000_000})
		if err != nil || len(hits) != 20 {
			t.Fatalf("%d hits, err %v", len(hits), err)
		}
	})
	t.Run("contains filters exactly", func(t *testing.T) {
		hits, err := s.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "printer", Contains: "INV-4471", K: 10})
		if err != nil || len(hits) != 1 || hits[0].ID != 100 {
			t.Fatalf("hits = %+v, err %v", hits, err)
		}
		hits, err = s.Search(ctx, alice, env.Handle, rag.SearchOptions{Contains: "inv-4471"})
		if err != nil || len(hits) != 0 {
			t.Fatalf("case-insensitive match: %+v, err %v", hits, err)
		}
	})
	t.Run("bad queries", func(t *testing.T) {
		for name, o := range map[string]rag.SearchOptions{
			"empty":         {},
			"blank":         {Query: "   "},
			"absurd length": {Query: strings.Repeat("a ", rag.MaxQueryBytes)},
			"long contains": {Query: "x", Contains: strings.Repeat("a", rag.MaxContainsBytes+1)},
			"negative k":    {Query: "x", K: -1},
			"invalid UTF-8": {Query: "\xff"},
		} {
			if _, err := s.Search(ctx, alice, env.Handle, o); !errors.Is(err, rag.ErrInvalidQuery) {
				t.Errorf("%s: err = %v", name, err)
			}
		}
		if _, err := s.Chunks(ctx, alice, env.Handle, 200, 0); !errors.Is(err, rag.ErrNoChunk) {
			t.Errorf("chunk 200: err = %v", err)
		}
		if _, err := s.Chunks(ctx, alice, env.Handle, 0, rag.MaxNeighbours+1); !errors.Is(err, rag.ErrInvalidQuery) {
			t.Errorf("neighbours: err = %v", err)
		}
	})
}

func TestAnotherPrincipalGetsNotFound(t *testing.T) {
	s := openStore(t, t.TempDir(), nil)
	env, err := s.Ingest(ctx, alice, ticketsJSON(10), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{bob, "client-b\x00alice", "", "client-a"} {
		if _, err := s.Search(ctx, owner, env.Handle, rag.SearchOptions{Query: "refund"}); !errors.Is(err, rag.ErrNotFound) {
			t.Errorf("search as %q: err = %v", owner, err)
		}
		if _, err := s.Chunks(ctx, owner, env.Handle, 0, 0); !errors.Is(err, rag.ErrNotFound) {
			t.Errorf("chunks as %q: err = %v", owner, err)
		}
		if err := s.Delete(owner, env.Handle); !errors.Is(err, rag.ErrNotFound) {
			t.Errorf("delete as %q: err = %v", owner, err)
		}
	}
	for _, h := range []string{"rag_aaaaaaaaaaaaaaaaaaaaaaaaaa", "../../etc/passwd", env.Handle + "x", strings.ToUpper(env.Handle)} {
		if _, err := s.Search(ctx, alice, h, rag.SearchOptions{Query: "refund"}); !errors.Is(err, rag.ErrNotFound) {
			t.Errorf("guessed handle %q: err = %v", h, err)
		}
	}
	if err := s.Delete(alice, env.Handle); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund"}); !errors.Is(err, rag.ErrNotFound) {
		t.Errorf("after delete: err = %v", err)
	}
}

func TestHandlesExpire(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, dir, func(o *rag.Options) { o.Now = clk.now; o.TTL = time.Hour })
	env, err := s.Ingest(ctx, alice, ticketsJSON(10), "")
	if err != nil {
		t.Fatal(err)
	}
	if !env.ExpiresAt.Equal(clk.now().Add(time.Hour)) {
		t.Errorf("expires at %v", env.ExpiresAt)
	}
	clk.add(59 * time.Minute)
	if _, err := s.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund"}); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	clk.add(time.Minute)
	if _, err := s.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund"}); !errors.Is(err, rag.ErrNotFound) {
		t.Fatalf("at expiry: err = %v", err)
	}
	if n := s.Sweep(); n != 1 {
		t.Fatalf("swept %d", n)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, env.Handle+"*")); len(files) != 0 {
		t.Fatalf("files left after expiry: %v", files)
	}
}

func TestQuota(t *testing.T) {
	s := openStore(t, t.TempDir(), func(o *rag.Options) { o.QuotaHandles = 2; o.QuotaBytes = 1 << 20 })
	for range 2 {
		if _, err := s.Ingest(ctx, alice, ticketsJSON(5), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Ingest(ctx, alice, ticketsJSON(5), ""); !errors.Is(err, rag.ErrQuota) {
		t.Fatalf("third handle: err = %v", err)
	}
	if _, err := s.Ingest(ctx, bob, ticketsJSON(5), ""); err != nil {
		t.Fatalf("the quota is per principal: %v", err)
	}
	big := ticketsJSON(10000) // over 1 MiB
	if _, err := s.Ingest(ctx, "c\x00carol", big, ""); !errors.Is(err, rag.ErrQuota) {
		t.Fatalf("bytes quota: err = %v", err)
	}
}

func TestPersistedEncryptedAndBound(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, nil)
	env, err := s.Ingest(ctx, alice, ticketsJSON(50), "tickets.list")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// The words of the output appear nowhere on disk.
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, secret := range []string{"INV-4471", "printer", "alice"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q in the clear", filepath.Base(f), secret)
			}
		}
	}

	t.Run("reopened, the handle still answers", func(t *testing.T) {
		s2 := openStore(t, dir, nil)
		hits, err := s2.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund invoice", K: 1})
		if err != nil || len(hits) != 1 || hits[0].ID != 25 {
			t.Fatalf("hits = %+v, err = %v", hits, err)
		}
		if _, err := s2.Search(ctx, bob, env.Handle, rag.SearchOptions{Query: "refund"}); !errors.Is(err, rag.ErrNotFound) {
			t.Fatalf("bob after reopen: %v", err)
		}
	})
	t.Run("another master key cannot read it", func(t *testing.T) {
		s3 := openStore(t, dir, func(o *rag.Options) { o.MasterKey = testKey(8) })
		if _, err := s3.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund"}); err == nil {
			t.Fatal("read with the wrong key")
		}
	})
	t.Run("another embedder does not mix vectors", func(t *testing.T) {
		s4 := openStore(t, dir, func(o *rag.Options) { o.Embedder = rag.HashEmbedder{Dim: 256} })
		if _, err := s4.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund"}); !errors.Is(err, rag.ErrEmbedderMismatch) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("editing the clear index grants nothing", func(t *testing.T) {
		// bob rewrites the owner in the clear index to his own hash.
		other := openStore(t, t.TempDir(), nil)
		benv, _ := other.Ingest(ctx, bob, []byte("hello"), "")
		bobIndex, _ := os.ReadFile(filepath.Join(other.Dir(), benv.Handle+".json"))
		var bm map[string]any
		json.Unmarshal(bobIndex, &bm)
		path := filepath.Join(dir, env.Handle+".json")
		var m map[string]any
		b, _ := os.ReadFile(path)
		json.Unmarshal(b, &m)
		m["owner"] = bm["owner"]
		b, _ = json.Marshal(m)
		os.WriteFile(path, b, 0o600)
		s5 := openStore(t, dir, nil)
		if _, err := s5.Search(ctx, bob, env.Handle, rag.SearchOptions{Query: "refund"}); err == nil || !strings.Contains(err.Error(), "does not match its index") {
			t.Fatalf("bob read alice's handle after editing the index: %v", err)
		}
	})
}

func TestAnotherProcessSeesNewHandles(t *testing.T) {
	dir := t.TempDir()
	server := openStore(t, dir, nil)
	cli := openStore(t, dir, nil)
	env, err := cli.Ingest(ctx, alice, ticketsJSON(20), "file")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Search(ctx, alice, env.Handle, rag.SearchOptions{Query: "refund"}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	if _, err := rag.Open(rag.Options{Dir: t.TempDir(), MasterKey: []byte("short")}); err == nil {
		t.Fatal("opened with a short key")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rag_aaaaaaaaaaaaaaaaaaaaaaaaaa.json"), []byte("{"), 0o600)
	if _, err := rag.Open(rag.Options{Dir: dir, MasterKey: testKey(1)}); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt index: err = %v", err)
	}
}

// TestHandlesListsOnlyTheOwnersLiveHandles: the list is the owner's own,
// newest first, bounded, and drops expired handles.
func TestHandlesListsOnlyTheOwnersLiveHandles(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, t.TempDir(), func(o *rag.Options) { o.Now = clk.now; o.TTL = time.Hour })
	var mine []string
	for i := range 3 {
		env, err := s.Ingest(ctx, alice, ticketsJSON(5+i), "tickets.analyze")
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, env.Handle)
		clk.add(time.Minute)
	}
	if _, err := s.Ingest(ctx, bob, ticketsJSON(5), ""); err != nil {
		t.Fatal(err)
	}
	got := s.Handles(alice, 10)
	if len(got) != 3 || got[0].Handle != mine[2] || got[2].Handle != mine[0] || got[0].Source != "tickets.analyze" || got[0].Chunks == 0 {
		t.Fatalf("alice's handles = %+v, want %v newest first", got, mine)
	}
	if got := s.Handles(alice, 2); len(got) != 2 {
		t.Errorf("limit 2 gave %d", len(got))
	}
	for _, owner := range []string{"client-b\x00alice", "", "client-a"} {
		if got := s.Handles(owner, 10); len(got) != 0 {
			t.Errorf("%q sees %+v", owner, got)
		}
	}
	clk.add(57*time.Minute + time.Second) // the first (made at 0:00) expires at 1:00
	if got := s.Handles(alice, 10); len(got) != 2 || got[1].Handle != mine[1] {
		t.Errorf("after the first expired: %+v", got)
	}
}
