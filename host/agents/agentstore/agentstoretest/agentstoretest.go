// Package agentstoretest is the conformance suite of agentstore.Store:
// every backend runs Run.
package agentstoretest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/secure-agent/saa/host/agents/agentstore"
)

// Open returns an empty Store, and a function that closes it and opens
// its data again (nil if the backend keeps nothing across a reopen).
type Open func(t *testing.T) (s agentstore.Store, reopen func() agentstore.Store)

// Run checks a Store.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	t.Run("empty", func(t *testing.T) {
		s, _ := open(t)
		if l, err := s.List(ctx); err != nil || len(l) != 0 {
			t.Fatalf("List = %v, %v", l, err)
		}
		if err := s.Delete(ctx, "ghost"); !errors.Is(err, agentstore.ErrNotFound) {
			t.Fatalf("Delete(ghost) = %v, want ErrNotFound", err)
		}
	})
	t.Run("put, replace, list sorted, delete", func(t *testing.T) {
		s, _ := open(t)
		for _, d := range []agentstore.Definition{
			{Name: "zeta", Doc: []byte("name: zeta\n")}, {Name: "alpha", Doc: []byte("name: alpha\n")}, {Name: "zeta", Doc: []byte(`{"name":"zeta"}`)},
		} {
			if err := s.Put(ctx, d.Name, d.Doc); err != nil {
				t.Fatal(err)
			}
		}
		l, err := s.List(ctx)
		if err != nil || len(l) != 2 || l[0].Name != "alpha" || l[1].Name != "zeta" || !bytes.Equal(l[1].Doc, []byte(`{"name":"zeta"}`)) {
			t.Fatalf("List = %q, %v", l, err)
		}
		l[0].Doc[0] = 'X' // the caller's copy
		if l, _ := s.List(ctx); l[0].Doc[0] != 'n' {
			t.Fatal("List shares its bytes with the store")
		}
		if err := s.Delete(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.List(ctx); len(l) != 1 || l[0].Name != "zeta" {
			t.Fatalf("after Delete: %q", l)
		}
	})
	t.Run("durable", func(t *testing.T) {
		s, reopen := open(t)
		if reopen == nil {
			t.Skip("the backend keeps nothing across a reopen")
		}
		if err := s.Put(ctx, "kept", []byte("name: kept\n")); err != nil {
			t.Fatal(err)
		}
		again := reopen()
		if l, err := again.List(ctx); err != nil || len(l) != 1 || string(l[0].Doc) != "name: kept\n" {
			t.Fatalf("after reopening: %q, %v", l, err)
		}
	})
}
