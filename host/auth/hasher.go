package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
)

// ErrSecretMismatch is returned when a client secret does not match.
var ErrSecretMismatch = errors.New("client secret does not match")

// SHA256Hasher is the fosite.Hasher for client secrets: a SHA-256 digest,
// compared in constant time. It is fit only for high-entropy secrets such as
// the 256-bit ones Clients generates; never use it for passwords.
type SHA256Hasher struct{}

// Hash returns the SHA-256 digest of data.
func (SHA256Hasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return sum[:], nil
}

// Compare returns nil if hash is the SHA-256 digest of data.
func (SHA256Hasher) Compare(_ context.Context, hash, data []byte) error {
	sum := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(hash, sum[:]) != 1 {
		return ErrSecretMismatch
	}
	return nil
}
