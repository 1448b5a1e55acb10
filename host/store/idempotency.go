package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// Idempotency records are kept as JSON under client id, NUL, key, with an
// index by expiry (expires|client NUL key) so purging reads only what expired.
const (
	bucketIdem    = "idempotency"
	bucketIdemExp = "idempotency_exp"
)

// IdempotencyStore is the idempotency keys' storage on the database. Obtain
// it with DB.Idempotency.
type IdempotencyStore struct {
	db *DB
}

var _ runstore.IdempotencyStore = (*IdempotencyStore)(nil)

// Idempotency returns the idempotency keys' view of the database.
func (db *DB) Idempotency() *IdempotencyStore { return &IdempotencyStore{db: db} }

func idemKey(clientID, key string) ([]byte, error) {
	if clientID == "" || key == "" || strings.ContainsRune(clientID, 0) {
		return nil, fmt.Errorf("empty or malformed idempotency key")
	}
	return []byte(clientID + "\x00" + key), nil
}

func idemBuckets(tx *bolt.Tx) (recs, exp *bolt.Bucket, err error) {
	if recs, err = tx.CreateBucketIfNotExists([]byte(bucketIdem)); err != nil {
		return nil, nil, err
	}
	if exp, err = tx.CreateBucketIfNotExists([]byte(bucketIdemExp)); err != nil {
		return nil, nil, err
	}
	return recs, exp, nil
}

func getIdem(recs *bolt.Bucket, k []byte) (*runstore.IdempotencyRecord, error) {
	data := recs.Get(k)
	if data == nil {
		return nil, nil
	}
	var r runstore.IdempotencyRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &r, nil
}

// putIdem stores r under k, moves its expiry index entry from old's and
// updates the client's usage.
func putIdem(tx *bolt.Tx, recs, exp *bolt.Bucket, k []byte, r, old *runstore.IdempotencyRecord) error {
	dCount, dBytes := int64(1), int64(0)
	if old != nil {
		if err := exp.Delete(append(encodeTime(old.ExpiresAt), k...)); err != nil {
			return err
		}
		dCount, dBytes = 0, -int64(len(recs.Get(k)))
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := addUsage(tx, usageIdem, idemClient(k), dCount, dBytes+int64(len(data))); err != nil {
		return err
	}
	return errors.Join(recs.Put(k, data), exp.Put(append(encodeTime(r.ExpiresAt), k...), nil))
}

// deleteIdem removes the record at k and its index entry, and counts it out.
func deleteIdem(tx *bolt.Tx, recs, exp *bolt.Bucket, k, expKey []byte) error {
	if err := addUsage(tx, usageIdem, idemClient(k), -1, -int64(len(recs.Get(k)))); err != nil {
		return err
	}
	return errors.Join(recs.Delete(k), exp.Delete(expKey))
}

// ClaimIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) ClaimIdempotency(ctx context.Context, rec runstore.IdempotencyRecord, now time.Time) (runstore.IdempotencyRecord, bool, error) {
	if err := ctxErr(ctx); err != nil {
		return runstore.IdempotencyRecord{}, false, err
	}
	k, err := idemKey(rec.ClientID, rec.Key)
	if err != nil {
		return runstore.IdempotencyRecord{}, false, err
	}
	out, claimed := rec, true
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		recs, exp, err := idemBuckets(tx)
		if err != nil {
			return err
		}
		old, err := getIdem(recs, k)
		if err != nil {
			return err
		}
		if old != nil && old.ExpiresAt.After(now) {
			out, claimed = *old, false
			return nil
		}
		return putIdem(tx, recs, exp, k, &rec, old)
	})
	if err != nil {
		return runstore.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return out, claimed, nil
}

// UpdateIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) UpdateIdempotency(ctx context.Context, clientID, key string, fn func(*runstore.IdempotencyRecord) error) (runstore.IdempotencyRecord, error) {
	if err := ctxErr(ctx); err != nil {
		return runstore.IdempotencyRecord{}, err
	}
	k, err := idemKey(clientID, key)
	if err != nil {
		return runstore.IdempotencyRecord{}, err
	}
	var out runstore.IdempotencyRecord
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		recs, exp, err := idemBuckets(tx)
		if err != nil {
			return err
		}
		old, err := getIdem(recs, k)
		if err != nil {
			return err
		}
		if old == nil {
			return runstore.ErrNotFound
		}
		r := *old
		if err := fn(&r); err != nil {
			return err
		}
		r.ClientID, r.Key, out = clientID, key, r
		return putIdem(tx, recs, exp, k, &r, old)
	})
	if err != nil {
		return runstore.IdempotencyRecord{}, fmt.Errorf("update idempotency key: %w", err)
	}
	return out, nil
}

// DeleteIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) DeleteIdempotency(ctx context.Context, clientID, key string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	k, err := idemKey(clientID, key)
	if err != nil {
		return err
	}
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		recs, exp, err := idemBuckets(tx)
		if err != nil {
			return err
		}
		old, err := getIdem(recs, k)
		if err != nil || old == nil {
			return err
		}
		return deleteIdem(tx, recs, exp, k, append(encodeTime(old.ExpiresAt), k...))
	})
	if err != nil {
		return fmt.Errorf("delete idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) PurgeIdempotency(ctx context.Context, now time.Time) (int, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		recs, exp, err := idemBuckets(tx)
		if err != nil {
			return err
		}
		var doomed [][]byte
		limit := encodeTime(now.Add(time.Nanosecond))
		c := exp.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, limit) < 0; k, _ = c.Next() {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		for _, k := range doomed {
			if recs.Get(k[8:]) == nil { // an index entry left without its record
				if err := exp.Delete(k); err != nil {
					return err
				}
				continue
			}
			if err := deleteIdem(tx, recs, exp, k[8:], k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}
