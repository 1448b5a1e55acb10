// Package registrytest is the conformance suite for registry.Store
// backends: every implementation runs TestStore against real instances
// (host/store runs it on bbolt files in t.TempDir()). It is test support
// only and must never be imported by production code.
package registrytest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/registry"
)

// base is a fixed instant with nanoseconds, to catch backends that lose
// precision.
var base = time.Date(2030, 1, 2, 3, 4, 5, 6_789, time.UTC)

// TestStore checks that the stores newStore returns behave as
// registry.Store says. newStore must return an empty store each time.
func TestStore(t *testing.T, newStore func(t *testing.T) registry.Store) {
	t.Helper()
	t.Run("missing records", func(t *testing.T) { testMissing(t, newStore(t)) })
	t.Run("create and get plugin", func(t *testing.T) { testPluginRoundTrip(t, newStore(t)) })
	t.Run("failed update stores nothing", func(t *testing.T) { testFailedUpdate(t, newStore(t)) })
	t.Run("name cannot change", func(t *testing.T) { testRename(t, newStore(t)) })
	t.Run("blobs by digest", func(t *testing.T) { testBlobs(t, newStore(t)) })
	t.Run("list by name", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("concurrent updates", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("publishers", func(t *testing.T) { testPublishers(t, newStore(t)) })
}

// Sample returns a plugin record with every field set.
func Sample(name string) registry.PluginRecord {
	return registry.PluginRecord{
		Name: name, Publisher: "acme", Active: "1.0.0", Enabled: true,
		Versions: []registry.VersionRecord{{
			Version: "1.0.0", ManifestSHA256: Digest([]byte("manifest")), WasmSHA256: Digest([]byte("wasm")),
			Size: 4, SignatureKey: []byte("0123456789abcdef0123456789abcdef"), Signature: []byte("sig"),
			Status: registry.StatusApproved, SubmittedAt: base, SubmittedBy: "client:p1",
			ReviewedAt: base.Add(time.Hour), ReviewedBy: "admin",
		}, {
			Version: "1.1.0", ManifestSHA256: Digest([]byte("m2")), WasmSHA256: Digest([]byte("w2")),
			Status: registry.StatusRejected, Reason: "asks for too much", SubmittedAt: base.Add(time.Minute), SubmittedBy: "client:p1",
		}},
	}
}

// Digest is the key a blob is stored under.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func put(t *testing.T, s registry.Store, p registry.PluginRecord, blobs ...[]byte) registry.PluginRecord {
	t.Helper()
	got, err := s.UpdatePlugin(context.Background(), p.Name, func(r *registry.PluginRecord) error {
		*r = p
		return nil
	}, blobs...)
	must(t, err, "update "+p.Name)
	return got
}

func testMissing(t *testing.T, s registry.Store) {
	ctx := context.Background()
	for name, err := range map[string]error{
		"plugin":       second(s.GetPlugin(ctx, "nope")),
		"empty plugin": second(s.GetPlugin(ctx, "")),
		"blob":         second(s.GetBlob(ctx, Digest([]byte("nope")))),
		"publisher":    second(s.GetPublisher(ctx, "nope")),
	} {
		if !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
	plugins, err := s.ListPlugins(ctx)
	must(t, err, "list plugins")
	pubs, err := s.ListPublishers(ctx)
	must(t, err, "list publishers")
	if len(plugins) != 0 || len(pubs) != 0 {
		t.Errorf("empty store lists %d plugins, %d publishers", len(plugins), len(pubs))
	}
	if _, err := s.UpdatePlugin(ctx, "", func(*registry.PluginRecord) error { return nil }); err == nil {
		t.Error("update with an empty name succeeded")
	}
}

func second[T any](_ T, err error) error { return err }

func testPluginRoundTrip(t *testing.T, s registry.Store) {
	ctx := context.Background()
	var seen registry.PluginRecord
	_, err := s.UpdatePlugin(ctx, "demo", func(r *registry.PluginRecord) error {
		seen = *r
		return nil
	})
	must(t, err, "first update")
	if !reflect.DeepEqual(seen, registry.PluginRecord{Name: "demo"}) {
		t.Errorf("first update saw %+v, want a record holding only the name", seen)
	}
	want := Sample("demo")
	if got := put(t, s, want); !reflect.DeepEqual(got, want) {
		t.Errorf("update returned %+v, want %+v", got, want)
	}
	got, err := s.GetPlugin(ctx, "demo")
	must(t, err, "get")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got back %+v\nwant %+v", got, want)
	}
}

func testFailedUpdate(t *testing.T, s registry.Store) {
	ctx := context.Background()
	want := put(t, s, Sample("demo"))
	boom := errors.New("boom")
	blob := []byte("never stored")
	_, err := s.UpdatePlugin(ctx, "demo", func(r *registry.PluginRecord) error {
		r.Active, r.Enabled = "", false
		return boom
	}, blob)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the function's error", err)
	}
	got, err := s.GetPlugin(ctx, "demo")
	must(t, err, "get")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failed update changed the record to %+v", got)
	}
	if _, err := s.GetBlob(ctx, Digest(blob)); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("failed update stored its blob: %v", err)
	}
	if _, err := s.UpdatePlugin(ctx, "other", func(*registry.PluginRecord) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.GetPlugin(ctx, "other"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("failed first update created the record: %v", err)
	}
}

func testRename(t *testing.T, s registry.Store) {
	ctx := context.Background()
	_, err := s.UpdatePlugin(ctx, "demo", func(r *registry.PluginRecord) error {
		r.Name = "other"
		return nil
	})
	if err == nil {
		t.Error("renaming a plugin succeeded")
	}
	_, err = s.UpdatePublisher(ctx, "acme", func(r *registry.PublisherRecord) error {
		r.Name = "other"
		return nil
	})
	if err == nil {
		t.Error("renaming a publisher succeeded")
	}
}

func testBlobs(t *testing.T, s registry.Store) {
	ctx := context.Background()
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	blobs := [][]byte{[]byte("manifest"), big, {}}
	put(t, s, Sample("demo"), blobs...)
	put(t, s, Sample("again"), blobs[0]) // a blob stored twice is kept once
	for _, b := range blobs {
		got, err := s.GetBlob(ctx, Digest(b))
		must(t, err, "get blob")
		if string(got) != string(b) {
			t.Errorf("blob %s: got %d bytes back, want %d", Digest(b), len(got), len(b))
		}
	}
	must(t, s.DeleteBlob(ctx, Digest(big)), "delete blob")
	must(t, s.DeleteBlob(ctx, Digest(big)), "delete a missing blob")
	if _, err := s.GetBlob(ctx, Digest(big)); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("deleted blob: %v, want ErrNotFound", err)
	}
	if _, err := s.GetBlob(ctx, Digest(blobs[0])); err != nil {
		t.Errorf("another blob went too: %v", err)
	}
}

func testList(t *testing.T, s registry.Store) {
	for _, name := range []string{"charlie", "alpha", "bravo"} {
		put(t, s, Sample(name))
	}
	got, err := s.ListPlugins(context.Background())
	must(t, err, "list")
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	if !reflect.DeepEqual(names, []string{"alpha", "bravo", "charlie"}) {
		t.Errorf("list = %v", names)
	}
	if !reflect.DeepEqual(got[0], Sample("alpha")) {
		t.Errorf("listed %+v, want %+v", got[0], Sample("alpha"))
	}
}

func testConcurrent(t *testing.T, s registry.Store) {
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdatePlugin(context.Background(), "demo", func(r *registry.PluginRecord) error {
				r.Versions = append(r.Versions, registry.VersionRecord{Version: fmt.Sprintf("1.0.%d", i), Status: registry.StatusPending, SubmittedAt: base})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetPlugin(context.Background(), "demo")
	must(t, err, "get")
	if len(got.Versions) != n {
		t.Errorf("%d versions after %d concurrent appends: updates were lost", len(got.Versions), n)
	}
}

func testPublishers(t *testing.T, s registry.Store) {
	ctx := context.Background()
	key := registry.TrustedKey{ID: "k1", PublicKey: []byte("0123456789abcdef0123456789abcdef"), AddedBy: "admin", AddedAt: base}
	for _, name := range []string{"zeta", "acme"} {
		_, err := s.UpdatePublisher(ctx, name, func(p *registry.PublisherRecord) error {
			if p.Name != name || len(p.Keys) != 0 || p.RequireSignature {
				return fmt.Errorf("first update saw %+v", p)
			}
			p.Keys, p.RequireSignature = []registry.TrustedKey{key}, true
			return nil
		})
		must(t, err, "update publisher "+name)
	}
	want := registry.PublisherRecord{Name: "acme", Keys: []registry.TrustedKey{key}, RequireSignature: true}
	got, err := s.GetPublisher(ctx, "acme")
	must(t, err, "get publisher")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	boom := errors.New("boom")
	if _, err := s.UpdatePublisher(ctx, "acme", func(p *registry.PublisherRecord) error { p.Keys = nil; return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	all, err := s.ListPublishers(ctx)
	must(t, err, "list publishers")
	if len(all) != 2 || all[0].Name != "acme" || all[1].Name != "zeta" || len(all[0].Keys) != 1 {
		t.Errorf("list = %+v", all)
	}
}
