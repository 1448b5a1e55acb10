package httpapi

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/store"
)

func TestStoredLimitsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "saa.db")
	ctx := context.Background()
	open := func() (*store.DB, StoredLimits) {
		db, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return db, StoredLimits{Docs: db.ClientLimits()}
	}
	db, s := open()
	want := ClientLimits{Rate: 5, Burst: 10, Concurrency: 2}
	if err := s.SetClientLimits(ctx, "c1", want); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, s = open()
	defer db.Close()
	if got, ok, err := s.ClientLimits(ctx, "c1"); err != nil || !ok || got != want {
		t.Fatalf("after reopen: %+v %v %v, want %+v", got, ok, err, want)
	}
	if _, ok, err := s.ClientLimits(ctx, "c2"); err != nil || ok {
		t.Fatalf("a client without limits: ok=%v err=%v", ok, err)
	}
	if err := s.DeleteClientLimits(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClientLimits(ctx, "c1"); ok {
		t.Fatal("limits still there after delete")
	}
	if err := s.DeleteClientLimits(ctx, "c1"); err != nil {
		t.Fatalf("deleting absent limits: %v", err)
	}
}
