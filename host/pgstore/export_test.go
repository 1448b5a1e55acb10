package pgstore

import (
	"context"

	"github.com/secure-agent/saa/host/audit"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ListenerName is the revocation listener's application_name.
const ListenerName = listenerName

// Pool is db's connection pool, for baselines in benchmarks.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// ReadEpoch reads the revocation epoch from the database, as
// RevocationEpoch would without the listener.
func (db *DB) ReadEpoch(ctx context.Context) (uint64, error) { return readEpoch(ctx, db.pool) }

// AppendUnlocked appends e without the advisory lock: correct only with a
// single writer, for measuring what the lock costs.
func (s *AuditStore) AppendUnlocked(ctx context.Context, e audit.Entry) error {
	_, err := s.appendChained(ctx, []audit.Entry{e}, false)
	return err
}
