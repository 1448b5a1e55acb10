package store

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// TestTokenStatusReadsClientsWrittenBeforeTheIndex: a client stored by a
// version without the compact state index is still seen, disabled state
// and generation included, so no token of it slips through after an
// upgrade.
func TestTokenStatusReadsClientsWrittenBeforeTheIndex(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	old := clientRecord{ID: "legacy", Name: "old", Scopes: []string{"echo:call"}, Status: string(authstore.ClientDisabled),
		SecretHash: make([]byte, 32), CreatedAt: time.Now(), Generation: 2}
	data, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.update(bucketAuthClients, func(b *bolt.Bucket) error { return b.Put([]byte(old.ID), data) }); err != nil {
		t.Fatal(err)
	}
	st, _, err := db.Auth().TokenStatus(t.Context(), "j", old.ID)
	want := authstore.TokenStatus{ClientFound: true, ClientStatus: authstore.ClientDisabled, ClientGeneration: 2}
	if err != nil || st != want {
		t.Fatalf("status %+v, %v; want %+v", st, err, want)
	}
}
