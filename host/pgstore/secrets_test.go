package pgstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/secrets/secretstest"
)

func TestSecretsBackendConformance(t *testing.T) {
	url, _ := newDatabase(t)
	secretstest.TestBackend(t, Open(t, url).Secrets())
}

// The first master key check is recorded; the same passes on any replica,
// another is refused.
func TestCheckMasterKey(t *testing.T) {
	url, _ := newDatabase(t)
	a, b := Open(t, url), Open(t, url)
	ctx := context.Background()
	if err := a.CheckMasterKey(ctx, []byte("check-1")); err != nil {
		t.Fatal(err)
	}
	if err := b.CheckMasterKey(ctx, []byte("check-1")); err != nil {
		t.Fatalf("the same key on another replica: %v", err)
	}
	if err := b.CheckMasterKey(ctx, []byte("check-2")); !errors.Is(err, pgstore.ErrMasterKeyMismatch) {
		t.Fatalf("another key: %v, want ErrMasterKeyMismatch", err)
	}
	if err := a.CheckMasterKey(ctx, nil); err == nil {
		t.Fatal("an empty check value was accepted")
	}
}
