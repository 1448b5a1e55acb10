// Package pgstore is SAA's persistence on PostgreSQL, for running several
// stateless `saa serve` replicas on one database (SAA_DATABASE_URL). It
// implements the same store interfaces as host/store (bbolt), and runs the
// same conformance suites.
//
// The schema is versioned: Open applies the embedded migrations
// (migrations/*.sql, goose) under an advisory lock, so replicas starting
// together migrate once, and refuses a database whose schema is newer than
// the binary. Besides its pool, a DB keeps one connection listening for
// revocations (see auth_epoch.go). pgx never leaks out of this package. It
// must never build SQL from untrusted strings: every value is a bind
// parameter.
package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/secure-agent/saa/host/backend"
)

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer SAA: running on it could corrupt what the newer version wrote.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open SAA database on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool
	// epoch follows the revocation epoch (LISTEN saa_revocation), so a
	// verifier reads it from memory instead of the database on every call.
	epoch *epochWatch
}

var _ backend.DB = (*DB)(nil)

// Open connects to url (postgres://...), applies pending migrations and
// returns the database.
func Open(ctx context.Context, url string) (*DB, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool, epoch: watchEpoch(pool)}, nil
}

// Close stops the epoch listener and closes every connection.
func (db *DB) Close() error {
	db.epoch.stop()
	db.pool.Close()
	return nil
}

// inTx runs fn in a read-committed transaction, committed if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// SchemaVersion is the newest migration this binary knows.
func SchemaVersion() int64 {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	var newest int64
	for _, name := range names {
		if v, err := goose.NumericComponent(name); err == nil && v > newest {
			newest = v
		}
	}
	return newest
}

// migrate brings the schema up to SchemaVersion, refusing a newer one.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p, err := newProvider(sqlDB)
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if known := SchemaVersion(); current > known {
		return fmt.Errorf("%w: database at %d, binary knows %d", ErrSchemaTooNew, current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// newProvider builds the goose provider over the embedded migrations.
func newProvider(db *sql.DB) (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, dir,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
}
