package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// FuzzIdempotencyKey: client ids and keys come from callers. Whatever they
// hold, they travel as bind parameters: a key is stored and found again
// exactly, or refused with an error (NUL, invalid UTF-8, empty), and never
// changes what the statement does.
func FuzzIdempotencyKey(f *testing.F) {
	for _, seed := range []string{"k", "'; DROP TABLE idempotency_keys; --", "a\x00b", "\xff\xfe", "$1", "%", "ключ", strings.Repeat("x", 300)} {
		f.Add("client", seed)
	}
	f.Add("c'--", "k")
	s := newRunsDB(f).Idempotency()
	now := time.Now()
	f.Fuzz(func(t *testing.T, client, key string) {
		ctx := context.Background()
		rec := runstore.IdempotencyRecord{ClientID: client, Key: key, RequestHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		_, _, err := s.ClaimIdempotency(ctx, rec, now)
		valid := client != "" && key != "" && utf8.ValidString(client+key) && !strings.ContainsRune(client+key, 0)
		if !valid {
			if err == nil {
				t.Fatalf("claim of %q/%q succeeded", client, key)
			}
			return
		}
		if err != nil {
			t.Fatalf("claim of %q/%q: %v", client, key, err)
		}
		got, claimed, err := s.ClaimIdempotency(ctx, rec, now)
		if err != nil || claimed || got.ClientID != client || got.Key != key {
			t.Fatalf("second claim of %q/%q = %+v, %v, %v", client, key, got, claimed, err)
		}
		if err := s.DeleteIdempotency(ctx, client, key); err != nil {
			t.Fatal(err)
		}
	})
}
