package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// Per-client usage counters: "<kind> NUL <client>" -> count (8 bytes) and
// bytes (8 bytes), big-endian. Every write of a counted record updates its
// counter in the same transaction, so the two never disagree; a database
// written before the counters existed gets them on open (rebuildUsage).
const (
	bucketUsage = "usage"
	usageIdem   = "idempotency"
	usageRuns   = "runs"
)

func usageKey(kind, client string) []byte { return []byte(kind + "\x00" + client) }

// addUsage adds dCount records and dBytes bytes to client's counter of kind.
func addUsage(tx *bolt.Tx, kind, client string, dCount, dBytes int64) error {
	if dCount == 0 && dBytes == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists([]byte(bucketUsage))
	if err != nil {
		return err
	}
	k := usageKey(kind, client)
	u := decodeUsage(b.Get(k))
	u.Count += int(dCount)
	u.Bytes += dBytes
	if u.Count <= 0 && u.Bytes <= 0 {
		return b.Delete(k)
	}
	return b.Put(k, encodeUsage(u))
}

func encodeUsage(u runstore.Usage) []byte {
	out := binary.BigEndian.AppendUint64(nil, uint64(max(u.Count, 0)))
	return binary.BigEndian.AppendUint64(out, uint64(max(u.Bytes, 0)))
}

func decodeUsage(v []byte) runstore.Usage {
	if len(v) != 16 {
		return runstore.Usage{}
	}
	return runstore.Usage{Count: int(binary.BigEndian.Uint64(v[:8])), Bytes: int64(binary.BigEndian.Uint64(v[8:]))}
}

// usage reads client's counter of kind.
func (db *DB) usage(ctx context.Context, kind, client string) (runstore.Usage, error) {
	if err := ctxErr(ctx); err != nil {
		return runstore.Usage{}, err
	}
	var u runstore.Usage
	err := db.view(bucketUsage, func(b *bolt.Bucket) error {
		if b != nil {
			u = decodeUsage(b.Get(usageKey(kind, client)))
		}
		return nil
	})
	if err != nil {
		return runstore.Usage{}, fmt.Errorf("read %s usage: %w", kind, err)
	}
	return u, nil
}

// IdempotencyUsage implements runstore.IdempotencyStore.
func (s *IdempotencyStore) IdempotencyUsage(ctx context.Context, clientID string) (runstore.Usage, error) {
	return s.db.usage(ctx, usageIdem, clientID)
}

// RunUsage implements runstore.Store.
func (s *RunStore) RunUsage(ctx context.Context, clientID string) (runstore.Usage, error) {
	return s.db.usage(ctx, usageRuns, clientID)
}

// runOwner is the part of a stored run that names its client.
type runOwner struct {
	ClientID string `json:"client_id"`
}

// clientOfRun returns the client of a stored run's JSON.
func clientOfRun(data []byte) (string, error) {
	var o runOwner
	if err := json.Unmarshal(data, &o); err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	return o.ClientID, nil
}

// rebuildUsage counts every idempotency record and run once, when the
// database has no counters yet.
func (db *DB) rebuildUsage() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketUsage)) != nil {
			return nil
		}
		if _, err := tx.CreateBucket([]byte(bucketUsage)); err != nil {
			return err
		}
		if b := tx.Bucket([]byte(bucketIdem)); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				client, _, _ := strings.Cut(string(k), "\x00")
				return addUsage(tx, usageIdem, client, 1, int64(len(v)))
			})
			if err != nil {
				return err
			}
		}
		b := tx.Bucket([]byte(bucketRuns))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			client, err := clientOfRun(v)
			if err != nil {
				return err
			}
			return addUsage(tx, usageRuns, client, 1, int64(len(v)))
		})
	})
}

// idemClient returns the client part of an idempotency record's key.
func idemClient(k []byte) string {
	client, _, _ := bytes.Cut(k, []byte{0})
	return string(client)
}
