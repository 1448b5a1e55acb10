package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// Runs are kept as JSON by id, with two indexes updated in the same
// transaction: the active runs (for recovery after a restart) and all runs by
// creation time (for purging the old ones without reading the rest).
const (
	bucketRuns        = "runs"
	bucketRunsActive  = "runs_active"  // id -> nothing
	bucketRunsCreated = "runs_created" // created|id -> nothing
)

// RunStore is the asynchronous runs' storage on the database. Obtain it
// with DB.Runs.
type RunStore struct {
	db *DB
}

var _ runstore.Store = (*RunStore)(nil)

// Runs returns the runs' view of the database.
func (db *DB) Runs() *RunStore { return &RunStore{db: db} }

type runBuckets struct {
	tx                    *bolt.Tx
	runs, active, created *bolt.Bucket
}

func openRunBuckets(tx *bolt.Tx) (runBuckets, error) {
	b := runBuckets{tx: tx}
	var err error
	for name, dst := range map[string]**bolt.Bucket{
		bucketRuns: &b.runs, bucketRunsActive: &b.active, bucketRunsCreated: &b.created,
	} {
		if *dst, err = tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return runBuckets{}, err
		}
	}
	return b, nil
}

// put stores r and brings both indexes up to date; old is the previous
// version, or nil.
func (b runBuckets) put(r, old *runstore.Run) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	dCount, dBytes := int64(1), int64(len(data))
	if old != nil {
		dCount, dBytes = 0, dBytes-int64(len(b.runs.Get([]byte(r.ID))))
	}
	if err := addUsage(b.tx, usageRuns, r.ClientID, dCount, dBytes); err != nil {
		return err
	}
	if err := b.runs.Put([]byte(r.ID), data); err != nil {
		return err
	}
	if old != nil && !old.CreatedAt.Equal(r.CreatedAt) {
		if err := b.created.Delete(createdKey(old)); err != nil {
			return err
		}
	}
	if err := b.created.Put(createdKey(r), nil); err != nil {
		return err
	}
	if r.Active() {
		return b.active.Put([]byte(r.ID), nil)
	}
	return b.active.Delete([]byte(r.ID))
}

// get decodes the run with id, or returns runstore.ErrNotFound.
func (b runBuckets) get(id string) (runstore.Run, error) {
	return decodeRun(b.runs.Get([]byte(id)))
}

func decodeRun(data []byte) (runstore.Run, error) {
	if data == nil {
		return runstore.Run{}, runstore.ErrNotFound
	}
	var r runstore.Run
	if err := json.Unmarshal(data, &r); err != nil {
		return runstore.Run{}, fmt.Errorf("decode: %w", err)
	}
	return r, nil
}

func createdKey(r *runstore.Run) []byte {
	return append(encodeTime(r.CreatedAt), r.ID...)
}

// CreateRun implements runstore.Store.
func (s *RunStore) CreateRun(ctx context.Context, r runstore.Run) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("run", r.ID); err != nil {
		return err
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := openRunBuckets(tx)
		if err != nil {
			return err
		}
		if b.runs.Get([]byte(r.ID)) != nil {
			return runstore.ErrExists
		}
		return b.put(&r, nil)
	})
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	return nil
}

// GetRun implements runstore.Store.
func (s *RunStore) GetRun(ctx context.Context, id string) (runstore.Run, error) {
	if err := ctxErr(ctx); err != nil {
		return runstore.Run{}, err
	}
	var r runstore.Run
	err := s.db.view(bucketRuns, func(b *bolt.Bucket) error {
		if b == nil || id == "" {
			return runstore.ErrNotFound
		}
		var err error
		r, err = decodeRun(b.Get([]byte(id)))
		return err
	})
	if err != nil {
		return runstore.Run{}, fmt.Errorf("get run %s: %w", id, err)
	}
	return r, nil
}

// UpdateRun implements runstore.Store.
func (s *RunStore) UpdateRun(ctx context.Context, id string, fn func(*runstore.Run) error) (runstore.Run, error) {
	if err := ctxErr(ctx); err != nil {
		return runstore.Run{}, err
	}
	var out runstore.Run
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := openRunBuckets(tx)
		if err != nil {
			return err
		}
		if id == "" {
			return runstore.ErrNotFound
		}
		old, err := b.get(id)
		if err != nil {
			return err
		}
		r := old
		if err := fn(&r); err != nil {
			return err
		}
		if r.ID != id {
			return fmt.Errorf("run id changed from %s to %s", id, r.ID)
		}
		out = r
		return b.put(&r, &old)
	})
	if err != nil {
		return runstore.Run{}, fmt.Errorf("update run %s: %w", id, err)
	}
	return out, nil
}

// ActiveRuns implements runstore.Store.
func (s *RunStore) ActiveRuns(ctx context.Context) ([]runstore.Run, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []runstore.Run{}
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		active, runs := tx.Bucket([]byte(bucketRunsActive)), tx.Bucket([]byte(bucketRuns))
		if active == nil || runs == nil {
			return nil
		}
		return active.ForEach(func(id, _ []byte) error {
			r, err := decodeRun(runs.Get(id))
			if err != nil {
				return fmt.Errorf("run %s: %w", id, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list active runs: %w", err)
	}
	slices.SortFunc(out, func(a, b runstore.Run) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// PurgeRuns implements runstore.Store.
func (s *RunStore) PurgeRuns(ctx context.Context, before time.Time) (int, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := openRunBuckets(tx)
		if err != nil {
			return err
		}
		n, err = purgeRuns(b, encodeTime(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge runs: %w", err)
	}
	return n, nil
}

// purgeRuns deletes the inactive runs whose creation key sorts before limit.
// It collects first and deletes after, as a cursor must not walk a bucket
// that is being changed under it.
func purgeRuns(b runBuckets, limit []byte) (int, error) {
	var doomed [][]byte
	c := b.created.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:min(8, len(k))], limit) < 0; k, _ = c.Next() {
		if len(k) <= 8 || b.active.Get(k[8:]) != nil {
			continue
		}
		doomed = append(doomed, append([]byte(nil), k...))
	}
	for _, k := range doomed {
		if data := b.runs.Get(k[8:]); data != nil {
			client, err := clientOfRun(data)
			if err != nil {
				return 0, fmt.Errorf("run %s: %w", k[8:], err)
			}
			if err := addUsage(b.tx, usageRuns, client, -1, -int64(len(data))); err != nil {
				return 0, err
			}
		}
		err := errors.Join(b.runs.Delete(k[8:]), b.created.Delete(k))
		if err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}
