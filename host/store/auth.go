package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// Buckets of the authorization server's data.
const (
	bucketAuthClients      = "auth_clients"
	bucketAuthUsers        = "auth_users"
	bucketAuthDeniedJTI    = "auth_denied_jti"     // jti -> until
	bucketAuthDeniedJTIExp = "auth_denied_jti_exp" // until|jti -> nothing, for purging in order
	// bucketAuthDeniedClients held time cut-offs per client before client
	// generations replaced them; purging drops what an old database has.
	bucketAuthDeniedClients = "auth_denied_clients"
	bucketAuthMeta          = "auth_meta"
	// bucketAuthClientState is client id -> status|generation, kept with
	// every client write so that a verifier reads 9 bytes, not a record.
	bucketAuthClientState = "auth_client_state"
	keyRevocationEpoch    = "revocation_epoch"
)

// AuthStore is the authorization server's storage (clients, admin users and
// the token deny-list) on the database. Obtain it with DB.Auth.
type AuthStore struct {
	db *DB
}

var _ authstore.Store = (*AuthStore)(nil)

// Auth returns the authorization server's view of the database.
func (db *DB) Auth() *AuthStore { return &AuthStore{db: db} }

// createJSON stores v at key in bucket unless the key exists (authstore.ErrExists).
func (s *AuthStore) createJSON(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return s.db.update(bucket, func(b *bolt.Bucket) error {
		if b.Get([]byte(key)) != nil {
			return authstore.ErrExists
		}
		return b.Put([]byte(key), data)
	})
}

// getJSON decodes the value at key in bucket into v, or authstore.ErrNotFound.
func (s *AuthStore) getJSON(bucket, key string, v any) error {
	data, err := s.db.get(bucket, key)
	if errors.Is(err, ErrNotFound) {
		return authstore.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// updateJSON decodes the value at key into v, calls fn and stores v again,
// all in one write transaction (which fn may write to as well), so
// concurrent updates never lose each other.
func (s *AuthStore) updateJSON(bucket, key string, v any, fn func(tx *bolt.Tx) error) error {
	return s.db.update(bucket, func(b *bolt.Bucket) error {
		data := b.Get([]byte(key))
		if data == nil {
			return authstore.ErrNotFound
		}
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if err := fn(b.Tx()); err != nil {
			return err
		}
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return b.Put([]byte(key), out)
	})
}

// deleteKey removes key from bucket, or returns authstore.ErrNotFound.
func (s *AuthStore) deleteKey(bucket, key string) error {
	err := s.db.delete(bucket, key)
	if errors.Is(err, ErrNotFound) {
		return authstore.ErrNotFound
	}
	return err
}

// forEachJSON calls fn with every raw value of bucket in key order; fn must
// decode (copy) what it keeps.
func (s *AuthStore) forEachJSON(bucket string, fn func(data []byte) error) error {
	return s.db.view(bucket, func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error { return fn(v) })
	})
}

// checkKey refuses empty keys, which bbolt cannot store.
func checkKey(kind, key string) error {
	if key == "" {
		return fmt.Errorf("empty %s key", kind)
	}
	return nil
}

// ctxErr lets callers cancel before a transaction starts; bbolt transactions
// themselves are short and not interruptible.
func ctxErr(ctx context.Context) error { return ctx.Err() }

func encodeTime(t time.Time) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixNano()))
	return b[:]
}

func decodeTime(b []byte) time.Time {
	if len(b) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
}
