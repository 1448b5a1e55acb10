package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// RunStore is the asynchronous runs' storage on PostgreSQL. Obtain it with
// DB.Runs. Each run is one row holding its JSON (the size usage counts)
// and the columns the queries need; UpdateRun locks the row (SELECT ...
// FOR UPDATE), so updates from every replica are serialised per run.
type RunStore struct {
	db *DB
}

var (
	_ runstore.Store      = (*RunStore)(nil)
	_ runstore.QuotaStore = (*RunStore)(nil)
	_ runstore.LeaseStore = (*RunStore)(nil)
)

// Runs returns the runs' view of the database.
func (db *DB) Runs() *RunStore { return &RunStore{db: db} }

// encodeRun returns r's stored JSON.
func encodeRun(r *runstore.Run) ([]byte, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return data, nil
}

func decodeRun(data []byte) (runstore.Run, error) {
	var r runstore.Run
	if err := json.Unmarshal(data, &r); err != nil {
		return runstore.Run{}, fmt.Errorf("decode: %w", err)
	}
	return r, nil
}

// CreateRun implements runstore.Store.
func (s *RunStore) CreateRun(ctx context.Context, r runstore.Run) error {
	return s.CreateRunWithin(ctx, r, nil)
}

// CreateRunWithin implements runstore.QuotaStore: check sees the client's
// usage with its counter row locked, so concurrent creations on every
// replica are checked one after the other.
func (s *RunStore) CreateRunWithin(ctx context.Context, r runstore.Run, check func(runstore.Usage) error) error {
	if r.ID == "" {
		return errors.New("create run: empty id")
	}
	data, err := encodeRun(&r)
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	err = s.db.runsTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO runs (id, client_id, status, active, created_ns, size, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
			r.ID, r.ClientID, string(r.Status), r.Active(), unixNanos(r.CreatedAt), len(data), data)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return runstore.ErrExists
		}
		if check != nil {
			u, err := lockUsage(ctx, tx, usageRuns, r.ClientID)
			if err != nil {
				return err
			}
			if err := check(u); err != nil {
				return err
			}
		}
		return addUsage(ctx, tx, usageRuns, r.ClientID, 1, int64(len(data)))
	})
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	return nil
}

// GetRun implements runstore.Store.
func (s *RunStore) GetRun(ctx context.Context, id string) (runstore.Run, error) {
	var data []byte
	err := s.db.pool.QueryRow(ctx, `SELECT doc FROM runs WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		err = runstore.ErrNotFound
	}
	var r runstore.Run
	if err == nil {
		r, err = decodeRun(data)
	}
	if err != nil {
		return runstore.Run{}, fmt.Errorf("get run %s: %w", id, err)
	}
	return r, nil
}

// UpdateRun implements runstore.Store.
func (s *RunStore) UpdateRun(ctx context.Context, id string, fn func(*runstore.Run) error) (runstore.Run, error) {
	var out runstore.Run
	err := s.db.runsTx(ctx, func(tx pgx.Tx) error {
		old, oldSize, err := lockRun(ctx, tx, id)
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
		return putRun(ctx, tx, &r, old.ClientID, oldSize)
	})
	if err != nil {
		return runstore.Run{}, fmt.Errorf("update run %s: %w", id, err)
	}
	return out, nil
}

// lockRun reads the run id and locks its row until tx ends.
func lockRun(ctx context.Context, tx pgx.Tx, id string) (runstore.Run, int64, error) {
	var data []byte
	err := tx.QueryRow(ctx, `SELECT doc FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return runstore.Run{}, 0, runstore.ErrNotFound
	}
	if err != nil {
		return runstore.Run{}, 0, err
	}
	r, err := decodeRun(data)
	return r, int64(len(data)), err
}

// putRun stores the new version of a locked run and moves its usage from
// what the old version (of oldClient, oldSize bytes) counted. A run that
// is no longer running loses its lease.
func putRun(ctx context.Context, tx pgx.Tx, r *runstore.Run, oldClient string, oldSize int64) error {
	data, err := encodeRun(r)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE runs SET client_id = $2, status = $3, active = $4, created_ns = $5, size = $6, doc = $7,
		lease_owner = CASE WHEN $3 = 'running' THEN lease_owner END,
		lease_until_ns = CASE WHEN $3 = 'running' THEN lease_until_ns END
		WHERE id = $1`,
		r.ID, r.ClientID, string(r.Status), r.Active(), unixNanos(r.CreatedAt), len(data), data)
	if err != nil {
		return err
	}
	if oldClient != r.ClientID {
		if err := addUsage(ctx, tx, usageRuns, oldClient, -1, -oldSize); err != nil {
			return err
		}
		return addUsage(ctx, tx, usageRuns, r.ClientID, 1, int64(len(data)))
	}
	return addUsage(ctx, tx, usageRuns, r.ClientID, 0, int64(len(data))-oldSize)
}

// ActiveRuns implements runstore.Store.
func (s *RunStore) ActiveRuns(ctx context.Context) ([]runstore.Run, error) {
	out, err := s.queryRuns(ctx, `SELECT doc FROM runs WHERE active ORDER BY created_ns, id`)
	if err != nil {
		return nil, fmt.Errorf("list active runs: %w", err)
	}
	return out, nil
}

// queryRuns decodes the runs sql selects (one doc column).
func (s *RunStore) queryRuns(ctx context.Context, sql string, args ...any) ([]runstore.Run, error) {
	rows, err := s.db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	out := make([]runstore.Run, 0, len(docs))
	for _, data := range docs {
		r, err := decodeRun(data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PurgeRuns implements runstore.Store.
func (s *RunStore) PurgeRuns(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.db.runsTx(ctx, func(tx pgx.Tx) error {
		// One purge at a time across replicas: two deleting the same rows
		// in different orders could deadlock.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('saa.purge.runs'))`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM runs WHERE NOT active AND created_ns < $1 RETURNING client_id, size`, unixNanos(before))
		if err != nil {
			return err
		}
		n, err = uncount(ctx, tx, usageRuns, rows)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge runs: %w", err)
	}
	return n, nil
}

// uncount takes the deleted records rows returns (client_id, size) out of
// their clients' counters of kind, and returns how many there were.
// Counters are updated in client order, so that concurrent purges on
// several replicas lock them in the same order.
func uncount(ctx context.Context, tx pgx.Tx, kind string, rows pgx.Rows) (int, error) {
	type gone struct {
		client string
		size   int64
	}
	deleted, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (gone, error) {
		var g gone
		return g, row.Scan(&g.client, &g.size)
	})
	if err != nil {
		return 0, err
	}
	per := map[string]runstore.Usage{}
	var clients []string
	for _, g := range deleted {
		u, seen := per[g.client]
		if !seen {
			clients = append(clients, g.client)
		}
		per[g.client] = runstore.Usage{Count: u.Count + 1, Bytes: u.Bytes + g.size}
	}
	slices.Sort(clients)
	for _, c := range clients {
		if err := addUsage(ctx, tx, kind, c, -int64(per[c].Count), -per[c].Bytes); err != nil {
			return 0, err
		}
	}
	return len(deleted), nil
}
