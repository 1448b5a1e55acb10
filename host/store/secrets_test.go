package store

import (
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/secrets/secretstest"
)

func TestSecretsBackend(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	secretstest.TestBackend(t, db.Secrets())
}
