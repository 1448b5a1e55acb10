package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// AuthStore is the authorization server's storage (clients, admin users and
// the token deny-list) on PostgreSQL. Obtain it with DB.Auth.
type AuthStore struct {
	db *DB
}

var _ authstore.Store = (*AuthStore)(nil)

// Auth returns the authorization server's view of the database.
func (db *DB) Auth() authstore.Store { return &AuthStore{db: db} }

// bumpEpoch increments the revocation epoch in tx and announces the new
// value to every replica's listener; PostgreSQL delivers the NOTIFY only
// if tx commits, after the change is visible.
func bumpEpoch(ctx context.Context, tx pgx.Tx) (uint64, error) {
	var epoch int64
	err := tx.QueryRow(ctx, `WITH e AS (UPDATE auth_revocation_epoch SET epoch = epoch + 1 RETURNING epoch)
		SELECT e.epoch FROM e CROSS JOIN LATERAL pg_notify($1, e.epoch::text) AS n`, epochChannel).Scan(&epoch)
	if err != nil {
		return 0, fmt.Errorf("bump revocation epoch: %w", err)
	}
	return uint64(epoch), nil
}

// withEpoch runs fn and bumps the epoch in one transaction, then lets this
// process's verifiers see the new epoch at once (other replicas hear of it
// by NOTIFY).
func (s *AuthStore) withEpoch(ctx context.Context, fn func(pgx.Tx) error) error {
	var epoch uint64
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		epoch, err = bumpEpoch(ctx, tx)
		return err
	})
	if err == nil {
		s.db.epoch.observe(epoch)
	}
	return err
}

// nsOf is t as stored: nanoseconds since the Unix epoch, nil for the zero
// time. Times the encoding cannot hold (before 1678, after 2262) are refused.
func nsOf(what string, t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	ns := t.UnixNano()
	if !time.Unix(0, ns).Equal(t) {
		return nil, fmt.Errorf("%s %v is out of range", what, t)
	}
	return &ns, nil
}

// timeOf reverses nsOf.
func timeOf(ns *int64) time.Time {
	if ns == nil {
		return time.Time{}
	}
	return time.Unix(0, *ns).UTC()
}

// checkKey refuses empty keys, as the bbolt store does.
func checkKey(kind, key string) error {
	if key == "" {
		return fmt.Errorf("empty %s key", kind)
	}
	return nil
}

// generation converts a client generation for a bigint column.
func generation(g uint64) (int64, error) {
	if g > math.MaxInt64 {
		return 0, fmt.Errorf("generation %d is out of range", g)
	}
	return int64(g), nil
}

// notFound maps pgx's ErrNoRows to authstore.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return authstore.ErrNotFound
	}
	return err
}
