// Package store is SAA's persistence on bbolt: one file under the data dir
// holding clients, tokens, secrets (sealed by host/secrets before they arrive
// here), runs and the audit log. bbolt never leaks out of this package, so a
// PostgreSQL backend can replace it behind the interfaces that the users of
// each store define (and whose conformance suites this package's tests run).
//
// bbolt rules that every file here follows: one writer at a time, never open a
// transaction while another is open in the same goroutine, and copy every byte
// slice out of a transaction before it ends.
package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned when a key does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating a key that already exists.
var ErrExists = errors.New("already exists")

// ErrLocked is returned by Open when another process holds the database,
// typically a running `saa serve`; talk to its HTTP API instead.
var ErrLocked = errors.New("database is in use by another process")

// DB is an open SAA database.
type DB struct {
	bolt *bolt.DB
}

// Open opens (creating if needed) the database file at path.
func Open(path string) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b}
	if err := db.rebuildUsage(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: count usage: %w", path, err)
	}
	return db, nil
}

// Close closes the database file.
func (db *DB) Close() error { return db.bolt.Close() }

// view runs fn in a read transaction on bucket, which may not exist yet (fn then
// gets nil).
func (db *DB) view(bucket string, fn func(b *bolt.Bucket) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(tx.Bucket([]byte(bucket))) })
}

// update runs fn in a write transaction on bucket, creating it if needed.
func (db *DB) update(bucket string, fn func(b *bolt.Bucket) error) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// get returns a copy of the value at key, or ErrNotFound.
func (db *DB) get(bucket, key string) ([]byte, error) {
	var out []byte
	err := db.view(bucket, func(b *bolt.Bucket) error {
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

// put stores value at key, replacing any previous value.
func (db *DB) put(bucket, key string, value []byte) error {
	return db.update(bucket, func(b *bolt.Bucket) error { return b.Put([]byte(key), value) })
}

// delete removes key; it returns ErrNotFound if there was nothing to remove.
func (db *DB) delete(bucket, key string) error {
	return db.update(bucket, func(b *bolt.Bucket) error {
		if b.Get([]byte(key)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(key))
	})
}

// keys returns every key of bucket in byte order.
func (db *DB) keys(bucket string) ([]string, error) {
	var out []string
	err := db.view(bucket, func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}
