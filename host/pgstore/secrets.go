package pgstore

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/secrets"
)

// ErrMasterKeyMismatch is returned by CheckMasterKey for a key other than
// the one the database's secrets are sealed with.
var ErrMasterKeyMismatch = errors.New("master key differs from the one this database's secrets are sealed with")

// CheckMasterKey records check, a value derived from the master key, on
// first use, and afterwards refuses any other: every replica must seal and
// open secrets with one key.
func (db *DB) CheckMasterKey(ctx context.Context, check []byte) error {
	if len(check) == 0 {
		return errors.New("check master key: empty check value")
	}
	if _, err := db.pool.Exec(ctx, `UPDATE saa_instance SET master_key_check = $1 WHERE master_key_check IS NULL`, check); err != nil {
		return fmt.Errorf("check master key: %w", err)
	}
	var stored []byte
	if err := db.pool.QueryRow(ctx, `SELECT master_key_check FROM saa_instance`).Scan(&stored); err != nil {
		return fmt.Errorf("check master key: %w", err)
	}
	if !hmac.Equal(stored, check) {
		return ErrMasterKeyMismatch
	}
	return nil
}

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
