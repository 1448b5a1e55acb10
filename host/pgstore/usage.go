package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// Per-client usage counters (table store_usage), one row per kind and
// client. Every write of a counted record updates its counter in the same
// transaction, so the two never disagree, and a quota check that locks the
// counter row (lockUsage) is serialised with every other writer of that
// client, whichever replica it runs on.
const (
	usageIdem = "idempotency"
	usageRuns = "runs"
)

// runsTx runs fn in a read-write transaction, committing if fn returns
// nil and rolling back otherwise.
func (db *DB) runsTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// addUsage adds dCount records and dBytes bytes to client's counter of kind.
func addUsage(ctx context.Context, tx pgx.Tx, kind, client string, dCount, dBytes int64) error {
	if dCount == 0 && dBytes == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO store_usage (kind, client_id, count, bytes) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, client_id) DO UPDATE
		SET count = store_usage.count + EXCLUDED.count, bytes = store_usage.bytes + EXCLUDED.bytes`,
		kind, client, dCount, dBytes)
	if err != nil {
		return fmt.Errorf("count %s usage: %w", kind, err)
	}
	return nil
}

// lockUsage locks client's counter of kind for the rest of tx (creating
// it at zero) and returns it: no other transaction can change the
// client's usage of kind until tx ends.
func lockUsage(ctx context.Context, tx pgx.Tx, kind, client string) (runstore.Usage, error) {
	_, err := tx.Exec(ctx, `INSERT INTO store_usage (kind, client_id, count, bytes) VALUES ($1, $2, 0, 0)
		ON CONFLICT (kind, client_id) DO NOTHING`, kind, client)
	if err != nil {
		return runstore.Usage{}, fmt.Errorf("lock %s usage: %w", kind, err)
	}
	var u runstore.Usage
	err = tx.QueryRow(ctx, `SELECT count, bytes FROM store_usage WHERE kind = $1 AND client_id = $2 FOR UPDATE`,
		kind, client).Scan(&u.Count, &u.Bytes)
	if err != nil {
		return runstore.Usage{}, fmt.Errorf("lock %s usage: %w", kind, err)
	}
	return clampUsage(u), nil
}

// usage reads client's counter of kind.
func (db *DB) usage(ctx context.Context, kind, client string) (runstore.Usage, error) {
	var u runstore.Usage
	err := db.pool.QueryRow(ctx, `SELECT count, bytes FROM store_usage WHERE kind = $1 AND client_id = $2`,
		kind, client).Scan(&u.Count, &u.Bytes)
	if errors.Is(err, pgx.ErrNoRows) {
		return runstore.Usage{}, nil
	}
	if err != nil {
		return runstore.Usage{}, fmt.Errorf("read %s usage: %w", kind, err)
	}
	return clampUsage(u), nil
}

func clampUsage(u runstore.Usage) runstore.Usage {
	return runstore.Usage{Count: max(u.Count, 0), Bytes: max(u.Bytes, 0)}
}

// IdempotencyUsage implements runstore.IdempotencyStore.
func (s *IdempotencyStore) IdempotencyUsage(ctx context.Context, clientID string) (runstore.Usage, error) {
	return s.db.usage(ctx, usageIdem, clientID)
}

// RunUsage implements runstore.Store.
func (s *RunStore) RunUsage(ctx context.Context, clientID string) (runstore.Usage, error) {
	return s.db.usage(ctx, usageRuns, clientID)
}

// Times that must order and compare exactly are kept as Unix nanoseconds
// (timestamptz has microseconds only). Instants outside int64 nanoseconds
// (before 1678, after 2262) are clamped, so they still order correctly
// against every representable one.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}
