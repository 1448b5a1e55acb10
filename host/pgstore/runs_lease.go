package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// ClaimRun implements runstore.LeaseStore. The oldest queued row is locked
// with FOR UPDATE SKIP LOCKED: replicas claiming at once each get a
// different run, none waits for another, and a run is claimed once.
func (s *RunStore) ClaimRun(ctx context.Context, owner string, now, until time.Time) (runstore.Run, bool, error) {
	if owner == "" {
		return runstore.Run{}, false, errors.New("claim run: empty owner")
	}
	var out runstore.Run
	claimed := false
	err := s.db.runsTx(ctx, func(tx pgx.Tx) error {
		var data []byte
		err := tx.QueryRow(ctx, `SELECT doc FROM runs WHERE status = 'queued'
			ORDER BY created_ns, id LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		r, err := decodeRun(data)
		if err != nil {
			return err
		}
		r.Status, r.StartedAt = runstore.StatusRunning, now.UTC()
		if err := putRun(ctx, tx, &r, r.ClientID, int64(len(data))); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET lease_owner = $2, lease_until_ns = $3 WHERE id = $1`, r.ID, owner, unixNanos(until))
		out, claimed = r, err == nil
		return err
	})
	if err != nil {
		return runstore.Run{}, false, fmt.Errorf("claim run: %w", err)
	}
	return out, claimed, nil
}

// RenewLeases implements runstore.LeaseStore.
func (s *RunStore) RenewLeases(ctx context.Context, owner string, until time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `UPDATE runs SET lease_until_ns = $2
		WHERE lease_owner = $1 AND status = 'running'`, owner, unixNanos(until))
	if err != nil {
		return 0, fmt.Errorf("renew leases: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ExpiredRuns implements runstore.LeaseStore.
func (s *RunStore) ExpiredRuns(ctx context.Context, now time.Time) ([]runstore.Run, error) {
	out, err := s.queryRuns(ctx, `SELECT doc FROM runs WHERE status = 'running'
		AND (lease_until_ns IS NULL OR lease_until_ns <= $1) ORDER BY created_ns, id`, unixNanos(now))
	if err != nil {
		return nil, fmt.Errorf("list expired runs: %w", err)
	}
	return out, nil
}
