package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/secure-agent/saa/host/secrets"
)

// secretsBucket holds sealed secrets by "plugin/name". The values arrive
// already sealed by host/secrets; this file never sees plaintext.
const secretsBucket = "secrets"

// boltSecrets is the bbolt secrets.Backend over one bucket.
type boltSecrets struct {
	db     *DB
	bucket string
}

var _ secrets.Backend = boltSecrets{}

// Secrets returns the secrets.Backend kept in db.
func (db *DB) Secrets() secrets.Backend { return boltSecrets{db: db, bucket: secretsBucket} }

// PutSealed stores sealed at key, replacing any previous blob.
func (s boltSecrets) PutSealed(_ context.Context, key string, sealed []byte) error {
	if err := s.db.put(s.bucket, key, sealed); err != nil {
		return fmt.Errorf("put sealed %s: %w", key, err)
	}
	return nil
}

// GetSealed returns the blob at key, or an error wrapping secrets.ErrNotFound.
func (s boltSecrets) GetSealed(_ context.Context, key string) ([]byte, error) {
	v, err := s.db.get(s.bucket, key)
	if err != nil {
		return nil, fmt.Errorf("get sealed %s: %w", key, notFound(err))
	}
	return v, nil
}

// DeleteSealed removes key, or returns an error wrapping secrets.ErrNotFound.
func (s boltSecrets) DeleteSealed(_ context.Context, key string) error {
	if err := s.db.delete(s.bucket, key); err != nil {
		return fmt.Errorf("delete sealed %s: %w", key, notFound(err))
	}
	return nil
}

// ListSealed returns every key in byte order.
func (s boltSecrets) ListSealed(context.Context) ([]string, error) {
	keys, err := s.db.keys(s.bucket)
	if err != nil {
		return nil, fmt.Errorf("list sealed: %w", err)
	}
	return keys, nil
}

// notFound maps the store's ErrNotFound to the one secrets.Backend callers
// test for, keeping any other error as is.
func notFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return secrets.ErrNotFound
	}
	return err
}
