package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/secrets/secretstest"
)

func TestBoxSealsUnderItsKey(t *testing.T) {
	ctx := context.Background()
	b := &secretstest.Memory{}
	x := newStore(t, &secretstest.Memory{}, key(1)).Box(b)
	if err := x.Put(ctx, "acct/google/alice", []byte(value)); err != nil {
		t.Fatal(err)
	}
	if got, err := x.Get(ctx, "acct/google/alice"); err != nil || string(got) != value {
		t.Fatalf("Get() = %q, %v", got, err)
	}
	sealed, _ := b.GetSealed(ctx, "acct/google/alice")
	if bytes.Contains(sealed, []byte(value)) {
		t.Fatal("the backend holds the value in the clear")
	}
	t.Run("blob moved to another key", func(t *testing.T) {
		_ = b.PutSealed(ctx, "acct/google/bob", sealed)
		if _, err := x.Get(ctx, "acct/google/bob"); !errors.Is(err, secrets.ErrOpen) {
			t.Fatalf("Get(moved) err = %v, want ErrOpen", err)
		}
	})
	t.Run("another master key", func(t *testing.T) {
		other := newStore(t, &secretstest.Memory{}, key(2)).Box(b)
		if _, err := other.Get(ctx, "acct/google/alice"); !errors.Is(err, secrets.ErrOpen) {
			t.Fatalf("Get(other key) err = %v, want ErrOpen", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := x.Get(ctx, "nope"); !errors.Is(err, secrets.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
		if err := x.Delete(ctx, "nope"); !errors.Is(err, secrets.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad keys", func(t *testing.T) {
		for _, k := range []string{"", strings.Repeat("k", secrets.MaxBoxKey+1)} {
			if err := x.Put(ctx, k, nil); !errors.Is(err, secrets.ErrInvalidKey) {
				t.Fatalf("Put(%d bytes) err = %v", len(k), err)
			}
		}
	})
	keys, err := x.Keys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys() = %v, %v", keys, err)
	}
	if err := x.Delete(ctx, "acct/google/alice"); err != nil {
		t.Fatal(err)
	}
}
