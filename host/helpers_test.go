package host_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

// checkFor polls fn until it returns nil, failing the test after 10 s.
func checkFor(t testing.TB, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
