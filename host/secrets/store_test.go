package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/secrets/secretstest"
)

var _ egress.SecretSource = (*secrets.Store)(nil)

const value = "ghp_very-secret-value"

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secrets.MasterKeySize) }

func newStore(t *testing.T, b secrets.Backend, k []byte) *secrets.Store {
	t.Helper()
	s, err := secrets.New(b, k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, &secretstest.Memory{}, key(1))
	if err := s.Put(ctx, "github", "token", value); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "github", "token"); err != nil || got != value {
		t.Fatalf("Get() = %q, %v", got, err)
	}
	if err := s.Put(ctx, "github", "token", "rotated"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "github", "token"); got != "rotated" {
		t.Fatalf("Get() after rotation = %q", got)
	}
	if err := s.Delete(ctx, "github", "token"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "github", "token"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("Get() after Delete error = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "github", "token"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("second Delete() error = %v, want ErrNotFound", err)
	}
}

func TestStoreNamespacedPerPlugin(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, &secretstest.Memory{}, key(1))
	if err := s.Put(ctx, "github", "token", value); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "newcomer", "token"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("another plugin's Get() error = %v, want ErrNotFound", err)
	}
}

func TestStoreRefusesToOpen(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, b *secretstest.Memory) // applied after Put of github/token
		key    []byte
	}{
		{"wrong master key", func(*testing.T, *secretstest.Memory) {}, key(2)},
		{"version byte", flip(0), key(1)},
		{"nonce", flip(5), key(1)},
		{"ciphertext", flip(14), key(1)},
		{"tag", flip(-1), key(1)},
		{"truncated", func(t *testing.T, b *secretstest.Memory) {
			blob, _ := b.GetSealed(ctx, "github/token")
			_ = b.PutSealed(ctx, "github/token", blob[:10])
		}, key(1)},
		{"swapped from another secret", func(t *testing.T, b *secretstest.Memory) {
			blob, _ := b.GetSealed(ctx, "github/other")
			_ = b.PutSealed(ctx, "github/token", blob)
		}, key(1)},
		{"swapped from another plugin", func(t *testing.T, b *secretstest.Memory) {
			blob, _ := b.GetSealed(ctx, "gitlab/token")
			_ = b.PutSealed(ctx, "github/token", blob)
		}, key(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &secretstest.Memory{}
			w := newStore(t, b, key(1))
			for _, ref := range []secrets.Ref{{"github", "token"}, {"github", "other"}, {"gitlab", "token"}} {
				if err := w.Put(ctx, ref.Plugin, ref.Name, value+ref.Plugin+ref.Name); err != nil {
					t.Fatal(err)
				}
			}
			tc.tamper(t, b)
			got, err := newStore(t, b, tc.key).Get(ctx, "github", "token")
			if !errors.Is(err, secrets.ErrOpen) || got != "" {
				t.Fatalf("Get() = %q, %v; want ErrOpen", got, err)
			}
			if strings.Contains(err.Error(), value) {
				t.Fatalf("error %q holds the value", err)
			}
		})
	}
}

// flip returns a tamper that flips one bit of github/token's blob at i
// (negative: from the end).
func flip(i int) func(*testing.T, *secretstest.Memory) {
	return func(t *testing.T, b *secretstest.Memory) {
		ctx := context.Background()
		blob, err := b.GetSealed(ctx, "github/token")
		if err != nil {
			t.Fatal(err)
		}
		if i < 0 {
			i += len(blob)
		}
		blob[i] ^= 0x01
		_ = b.PutSealed(ctx, "github/token", blob)
	}
}

func TestStoreNeverExposesValues(t *testing.T) {
	ctx := context.Background()
	b := &secretstest.Memory{}
	s := newStore(t, b, key(1))
	for _, ref := range []secrets.Ref{{"github", "token"}, {"slack", "webhook"}} {
		if err := s.Put(ctx, ref.Plugin, ref.Name, value); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.PutSealed(ctx, "foreign-key", []byte("x")) // not ours: skipped
	refs, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("%+v", refs), "[{Plugin:github Name:token} {Plugin:slack Name:webhook}]"; got != want {
		t.Fatalf("List() = %s, want %s", got, want)
	}
	keys, _ := b.ListSealed(ctx)
	for _, k := range keys {
		blob, _ := b.GetSealed(ctx, k)
		if bytes.Contains(blob, []byte(value)) || strings.Contains(k, value) {
			t.Fatalf("backend holds the plaintext under %s", k)
		}
	}
	first, _ := b.GetSealed(ctx, "github/token")
	_ = s.Put(ctx, "github", "token", value)
	second, _ := b.GetSealed(ctx, "github/token")
	if bytes.Equal(first, second) {
		t.Fatal("sealing the same value twice gave the same blob: nonce reused")
	}
}

func TestStoreRefusesNames(t *testing.T) {
	s := newStore(t, &secretstest.Memory{}, key(1))
	tests := []struct{ name, plugin, secret string }{
		{"empty plugin", "", "token"},
		{"empty name", "github", ""},
		{"slash in plugin", "git/hub", "token"},
		{"slash in name", "github", "a/b"},
		{"upper case", "GitHub", "token"},
		{"one letter", "g", "token"},
		{"too long", "github", strings.Repeat("a", 33)},
		{"leading digit", "github", "1token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Put(context.Background(), tc.plugin, tc.secret, "v"); !errors.Is(err, secrets.ErrInvalidName) {
				t.Fatalf("Put() error = %v, want ErrInvalidName", err)
			}
		})
	}
}

func TestNewRefusesKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
			if _, err := secrets.New(&secretstest.Memory{}, make([]byte, n)); !errors.Is(err, secrets.ErrMasterKey) {
				t.Fatalf("New() error = %v, want ErrMasterKey", err)
			}
		})
	}
}
