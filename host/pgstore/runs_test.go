package pgstore_test

import (
	"context"
	"testing"

	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/runs/runstore/runstoretest"
	"github.com/secure-agent/saa/internal/pgtest"
)

// newRunsDB opens a new, empty database for t.
func newRunsDB(t testing.TB) *pgstore.DB {
	t.Helper()
	c := pgtest.Get(t)
	name, _ := c.NewDatabase(t)
	db, err := pgstore.Open(context.Background(), c.DSN(name, pgtest.Superuser, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunStoreConformance(t *testing.T) {
	runstoretest.TestStore(t, func(t *testing.T) runstore.Store {
		return newRunsDB(t).Runs()
	})
}

func TestIdempotencyStoreConformance(t *testing.T) {
	runstoretest.TestIdempotencyStore(t, func(t *testing.T) runstore.IdempotencyStore {
		return newRunsDB(t).Idempotency()
	})
}
