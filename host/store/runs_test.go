package store_test

import (
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/runs/runstore/runstoretest"
)

func TestRunStoreConformance(t *testing.T) {
	runstoretest.TestStore(t, func(t *testing.T) runstore.Store {
		return openDB(t, filepath.Join(t.TempDir(), "saa.db")).Runs()
	})
}

func TestIdempotencyStoreConformance(t *testing.T) {
	runstoretest.TestIdempotencyStore(t, func(t *testing.T) runstore.IdempotencyStore {
		return openDB(t, filepath.Join(t.TempDir(), "saa.db")).Idempotency()
	})
}
