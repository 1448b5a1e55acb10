package store_test

import (
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/auth/authtest"
	"github.com/secure-agent/saa/host/store"
)

func TestAuthStoreConformance(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	authtest.TestStorage(t, db.Auth())
}

func TestAuthFlowsConformance(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	authtest.TestFlows(t, db.Auth())
}
