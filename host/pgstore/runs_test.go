package pgstore_test

import (
	"testing"

	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/runs/runstore/runstoretest"
)

// openNew opens a new, empty database for t.
func openNew(t *testing.T) *pgstore.DB {
	t.Helper()
	url, _ := newDatabase(t)
	return Open(t, url)
}

func TestRunStoreConformance(t *testing.T) {
	runstoretest.TestStore(t, func(t *testing.T) runstore.Store {
		return openNew(t).Runs()
	})
}

func TestIdempotencyStoreConformance(t *testing.T) {
	runstoretest.TestIdempotencyStore(t, func(t *testing.T) runstore.IdempotencyStore {
		return openNew(t).Idempotency()
	})
}
