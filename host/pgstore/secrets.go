package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/secrets"
)

// pgSecrets is a PostgreSQL secrets.Backend on one table of sealed
// blobs. The values arrive already sealed by host/secrets; this file never
// sees plaintext.
type pgSecrets struct {
	db *DB
	// table is "secrets" or "accounts", never anything from outside.
	table string
}

var _ secrets.Backend = pgSecrets{}

// Secrets returns the secrets.Backend of plugins' secrets kept in db.
func (db *DB) Secrets() secrets.Backend { return pgSecrets{db: db, table: "secrets"} }

// Accounts returns the secrets.Backend of host/accounts' sealed records,
// a table apart from plugins' secrets.
func (db *DB) Accounts() secrets.Backend { return pgSecrets{db: db, table: "accounts"} }

// sql puts s.table into query's %s.
func (s pgSecrets) sql(query string) string { return fmt.Sprintf(query, s.table) }

// PutSealed stores sealed at key, replacing any previous blob.
func (s pgSecrets) PutSealed(ctx context.Context, key string, sealed []byte) error {
	if sealed == nil {
		sealed = []byte{}
	}
	_, err := s.db.pool.Exec(ctx, s.sql(`INSERT INTO %s (key, sealed) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET sealed = EXCLUDED.sealed`), key, sealed)
	if err != nil {
		return fmt.Errorf("put sealed %s: %w", key, err)
	}
	return nil
}

// GetSealed returns the blob at key, or an error wrapping secrets.ErrNotFound.
func (s pgSecrets) GetSealed(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.pool.QueryRow(ctx, s.sql(`SELECT sealed FROM %s WHERE key = $1`), key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		err = secrets.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get sealed %s: %w", key, err)
	}
	return v, nil
}

// DeleteSealed removes key, or returns an error wrapping secrets.ErrNotFound.
func (s pgSecrets) DeleteSealed(ctx context.Context, key string) error {
	tag, err := s.db.pool.Exec(ctx, s.sql(`DELETE FROM %s WHERE key = $1`), key)
	if err == nil && tag.RowsAffected() == 0 {
		err = secrets.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete sealed %s: %w", key, err)
	}
	return nil
}

// ListSealed returns every key in byte order (the column sorts as "C").
func (s pgSecrets) ListSealed(ctx context.Context) ([]string, error) {
	rows, err := s.db.pool.Query(ctx, s.sql(`SELECT key FROM %s ORDER BY key`))
	if err != nil {
		return nil, fmt.Errorf("list sealed: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list sealed: %w", err)
	}
	if keys == nil {
		keys = []string{}
	}
	return keys, nil
}
