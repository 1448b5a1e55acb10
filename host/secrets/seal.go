package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrOpen is returned when a sealed blob does not open: wrong master key,
// tampered bytes, or a blob moved to another secret's key.
var ErrOpen = errors.New("sealed secret does not open")

// sealVersion prefixes every blob so the format can change later.
const sealVersion byte = 1

// MasterKeySize is the length of the master key in bytes (AES-256).
const MasterKeySize = 32

// sealer encrypts values with AES-256-GCM. A blob is version || nonce ||
// ciphertext+tag; the additional data is the key the blob is stored under,
// so a blob copied to another key does not open.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != MasterKeySize {
		return nil, fmt.Errorf("master key is %d bytes, want %d: %w", len(key), MasterKeySize, ErrMasterKey)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new gcm: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts value for storage under key, with a fresh random nonce.
func (s *sealer) seal(key string, value []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(value)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], value, []byte(key)), nil
}

// open decrypts a blob stored under key.
func (s *sealer) open(key string, blob []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(blob) < 1+n+s.aead.Overhead() || blob[0] != sealVersion {
		return nil, ErrOpen
	}
	value, err := s.aead.Open(nil, blob[1:1+n], blob[1+n:], []byte(key))
	if err != nil {
		return nil, ErrOpen
	}
	return value, nil
}
