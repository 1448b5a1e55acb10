// Package secretstest holds the conformance suite every secrets.Backend runs,
// and Memory, an in-memory Backend for tests. Nothing here may be used to
// store real secrets: Memory forgets everything when the process ends.
package secretstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host/secrets"
)

// TestBackend checks that b behaves as secrets.Backend documents. b must be
// empty when the suite starts; the suite leaves it holding a few keys.
func TestBackend(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	t.Run("empty list", func(t *testing.T) {
		keys, err := b.ListSealed(ctx)
		if err != nil || len(keys) != 0 {
			t.Fatalf("ListSealed() = %q, %v; want none", keys, err)
		}
	})
	t.Run("missing", func(t *testing.T) { testMissing(t, b) })
	t.Run("round trip", func(t *testing.T) { testRoundTrip(t, b) })
	t.Run("overwrite", func(t *testing.T) { testOverwrite(t, b) })
	t.Run("copies", func(t *testing.T) { testCopies(t, b) })
	t.Run("delete", func(t *testing.T) { testDelete(t, b) })
	t.Run("list sorted", func(t *testing.T) { testList(t, b) })
	t.Run("concurrent", func(t *testing.T) { testConcurrent(t, b) })
}

func testMissing(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	if _, err := b.GetSealed(ctx, "nope/missing"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("GetSealed(missing) error = %v, want ErrNotFound", err)
	}
	if err := b.DeleteSealed(ctx, "nope/missing"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("DeleteSealed(missing) error = %v, want ErrNotFound", err)
	}
}

func testRoundTrip(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	tests := []struct{ name, key, value string }{
		{"plain", "rt/plain", "blob"},
		{"binary", "rt/binary", "\x00\x01\xff\xfe"},
		{"large", "rt/large", string(bytes.Repeat([]byte{7}, 64<<10))},
		{"unicode key", "rt/clé", "v"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := b.PutSealed(ctx, tc.key, []byte(tc.value)); err != nil {
				t.Fatal(err)
			}
			got, err := b.GetSealed(ctx, tc.key)
			if err != nil || string(got) != tc.value {
				t.Fatalf("GetSealed() = %d bytes, %v; want the %d bytes put", len(got), err, len(tc.value))
			}
		})
	}
}

func testOverwrite(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	for _, v := range []string{"one", "two"} {
		if err := b.PutSealed(ctx, "ow/key", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := b.GetSealed(ctx, "ow/key"); err != nil || string(got) != "two" {
		t.Fatalf("GetSealed() = %q, %v; want the last value", got, err)
	}
}

func testCopies(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	in := []byte("original")
	if err := b.PutSealed(ctx, "cp/key", in); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	out, err := b.GetSealed(ctx, "cp/key")
	if err != nil {
		t.Fatal(err)
	}
	out[1] = 'Y'
	if again, _ := b.GetSealed(ctx, "cp/key"); string(again) != "original" {
		t.Fatalf("stored value changed to %q through a caller's slice", again)
	}
}

func testDelete(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	if err := b.PutSealed(ctx, "del/key", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteSealed(ctx, "del/key"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetSealed(ctx, "del/key"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("GetSealed(deleted) error = %v, want ErrNotFound", err)
	}
	if err := b.DeleteSealed(ctx, "del/key"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("second DeleteSealed() error = %v, want ErrNotFound", err)
	}
}

func testList(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	for _, k := range []string{"ls/c", "ls/a", "ls/b"} {
		if err := b.PutSealed(ctx, k, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := b.ListSealed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("ListSealed() = %q, not in byte order", keys)
	}
	for _, k := range []string{"ls/a", "ls/b", "ls/c", "ow/key"} {
		if !slices.Contains(keys, k) {
			t.Errorf("ListSealed() = %q, missing %q", keys, k)
		}
	}
	if slices.Contains(keys, "del/key") {
		t.Errorf("ListSealed() = %q, holds a deleted key", keys)
	}
}

func testConcurrent(t *testing.T, b secrets.Backend) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			key := fmt.Sprintf("cc/%02d", i)
			if err := b.PutSealed(ctx, key, []byte(key)); err != nil {
				errs <- err
				return
			}
			got, err := b.GetSealed(ctx, key)
			if err == nil && string(got) != key {
				err = fmt.Errorf("GetSealed(%s) = %q", key, got)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
