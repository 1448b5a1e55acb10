// Package authtest is the conformance suite for authstore backends: every
// implementation of authstore.Store runs TestStorage against a real instance
// (host/store runs it on a bbolt file in t.TempDir()). It is test support
// only and must never be imported by production code.
package authtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// TestStorage checks that s behaves as the authstore contracts say. s may
// hold data from earlier runs: every case uses keys of its own.
func TestStorage(t *testing.T, s authstore.Store) {
	t.Helper()
	t.Run("clients", func(t *testing.T) { testClients(t, s) })
	t.Run("users", func(t *testing.T) { testUsers(t, s) })
	t.Run("revocations", func(t *testing.T) { testRevocations(t, s) })
	t.Run("client changes bump the revocation epoch", func(t *testing.T) { testClientEpoch(t, s) })
}

// now is a fixed instant with a non-zero nanosecond part, to catch backends
// that lose precision.
var now = time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)

func sampleClient(id string) authstore.Client {
	return authstore.Client{
		ID:         id,
		Name:       "client " + id,
		Scopes:     []string{"echo:call", "introspect"},
		Status:     authstore.ClientActive,
		SecretHash: []byte("0123456789abcdef0123456789abcdef"),
		CreatedAt:  now,
	}
}

func sampleUser(name string) authstore.User {
	return authstore.User{
		Name:         name,
		Role:         authstore.RoleAdmin,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		CreatedAt:    now,
	}
}

func mustNoErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// parallelUpdates runs update(0) to update(n-1) concurrently and joins their
// errors; callers check that every update survived.
func parallelUpdates(n int, update func(i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = update(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func label(i int) string { return fmt.Sprintf("s%02d", i) }

func sameClient(a, b authstore.Client) bool {
	return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.Scopes, b.Scopes) &&
		a.Status == b.Status && string(a.SecretHash) == string(b.SecretHash) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.RotatedAt.Equal(b.RotatedAt) && a.Generation == b.Generation
}

func ctx(t *testing.T) context.Context { return t.Context() }
