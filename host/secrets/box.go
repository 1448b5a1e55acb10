package secrets

import (
	"context"
	"errors"
	"fmt"
)

// ErrInvalidKey is returned by a Box for an empty key or one over MaxBoxKey
// bytes.
var ErrInvalidKey = errors.New("invalid box key")

// MaxBoxKey bounds a Box key.
const MaxBoxKey = 1024

// Box seals values under keys its owner chooses (host/accounts keys them by
// user and provider) into a Backend of its own, with the Store's master key.
// The key is the blob's additional data, so a blob copied under another key
// (another user's) does not open. Like Store it never logs or returns a value
// in an error.
type Box struct {
	b    Backend
	seal *sealer
}

// Box returns a Box over b sealing with s's master key. b must not be s's
// own Backend: the two key spaces would mix.
func (s *Store) Box(b Backend) *Box { return &Box{b: b, seal: s.seal} }

// Put seals value under key, replacing any previous one.
func (x *Box) Put(ctx context.Context, key string, value []byte) error {
	if err := checkBoxKey(key); err != nil {
		return err
	}
	sealed, err := x.seal.seal(key, value)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	return x.b.PutSealed(ctx, key, sealed)
}

// Get opens the value under key, or returns an error wrapping ErrNotFound.
func (x *Box) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkBoxKey(key); err != nil {
		return nil, err
	}
	sealed, err := x.b.GetSealed(ctx, key)
	if err != nil {
		return nil, err
	}
	return x.seal.open(key, sealed)
}

// Delete removes key, or returns an error wrapping ErrNotFound.
func (x *Box) Delete(ctx context.Context, key string) error {
	if err := checkBoxKey(key); err != nil {
		return err
	}
	return x.b.DeleteSealed(ctx, key)
}

// Keys returns every key in byte order.
func (x *Box) Keys(ctx context.Context) ([]string, error) { return x.b.ListSealed(ctx) }

func checkBoxKey(key string) error {
	if key == "" || len(key) > MaxBoxKey {
		return fmt.Errorf("%w: %d bytes", ErrInvalidKey, len(key))
	}
	return nil
}
