package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/registry"
)

// RegistryStore is the plugin registry's storage on PostgreSQL. Obtain it
// with DB.Registry. Records are JSON by name; blobs (manifests and
// modules) are bytea by the SHA-256 of their content, so versions that
// share a module share it. A bundle's module is at most 64 MiB (host/bundle),
// far below bytea's 1 GiB; each blob is read and written whole.
type RegistryStore struct {
	db *DB
}

var _ registry.Store = (*RegistryStore)(nil)

// Registry returns the plugin registry's view of the database.
func (db *DB) Registry() *RegistryStore { return &RegistryStore{db: db} }

// The registry's record tables. Table names are constants, never input.
const (
	tablePlugins    = "registry_plugins"
	tablePublishers = "registry_publishers"
)

// GetPlugin implements registry.Store.
func (s *RegistryStore) GetPlugin(ctx context.Context, name string) (registry.PluginRecord, error) {
	var p registry.PluginRecord
	if err := s.getRecord(ctx, tablePlugins, name, &p); err != nil {
		return registry.PluginRecord{}, fmt.Errorf("get plugin %s: %w", name, err)
	}
	return p, nil
}

// ListPlugins implements registry.Store.
func (s *RegistryStore) ListPlugins(ctx context.Context) ([]registry.PluginRecord, error) {
	out, err := listRegistryRecords[registry.PluginRecord](ctx, s.db, tablePlugins)
	if err != nil {
		return nil, fmt.Errorf("list plugins: %w", err)
	}
	return out, nil
}

// UpdatePlugin implements registry.Store.
func (s *RegistryStore) UpdatePlugin(ctx context.Context, name string, fn func(*registry.PluginRecord) error, blobs ...[]byte) (registry.PluginRecord, error) {
	p := registry.PluginRecord{Name: name}
	err := s.updateRecord(ctx, tablePlugins, name, &p, func(tx pgx.Tx) error {
		if err := fn(&p); err != nil {
			return err
		}
		if p.Name != name {
			return fmt.Errorf("plugin name changed from %s to %s", name, p.Name)
		}
		return putBlobs(ctx, tx, blobs)
	})
	if err != nil {
		return registry.PluginRecord{}, fmt.Errorf("update plugin %s: %w", name, err)
	}
	return p, nil
}

// GetBlob implements registry.Store.
func (s *RegistryStore) GetBlob(ctx context.Context, sha256hex string) ([]byte, error) {
	var out []byte
	err := s.db.pool.QueryRow(ctx, `SELECT content FROM registry_blobs WHERE sha256 = $1`, sha256hex).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		err = registry.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", sha256hex, err)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// DeleteBlob implements registry.Store.
func (s *RegistryStore) DeleteBlob(ctx context.Context, sha256hex string) error {
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM registry_blobs WHERE sha256 = $1`, sha256hex); err != nil {
		return fmt.Errorf("delete blob %s: %w", sha256hex, err)
	}
	return nil
}

// GetPublisher implements registry.Store.
func (s *RegistryStore) GetPublisher(ctx context.Context, name string) (registry.PublisherRecord, error) {
	var p registry.PublisherRecord
	if err := s.getRecord(ctx, tablePublishers, name, &p); err != nil {
		return registry.PublisherRecord{}, fmt.Errorf("get publisher %s: %w", name, err)
	}
	return p, nil
}

// ListPublishers implements registry.Store.
func (s *RegistryStore) ListPublishers(ctx context.Context) ([]registry.PublisherRecord, error) {
	out, err := listRegistryRecords[registry.PublisherRecord](ctx, s.db, tablePublishers)
	if err != nil {
		return nil, fmt.Errorf("list publishers: %w", err)
	}
	return out, nil
}

// UpdatePublisher implements registry.Store.
func (s *RegistryStore) UpdatePublisher(ctx context.Context, name string, fn func(*registry.PublisherRecord) error) (registry.PublisherRecord, error) {
	p := registry.PublisherRecord{Name: name}
	err := s.updateRecord(ctx, tablePublishers, name, &p, func(pgx.Tx) error {
		if err := fn(&p); err != nil {
			return err
		}
		if p.Name != name {
			return fmt.Errorf("publisher name changed from %s to %s", name, p.Name)
		}
		return nil
	})
	if err != nil {
		return registry.PublisherRecord{}, fmt.Errorf("update publisher %s: %w", name, err)
	}
	return p, nil
}

// getRecord decodes the JSON of name in table into v, or returns
// registry.ErrNotFound.
func (s *RegistryStore) getRecord(ctx context.Context, table, name string, v any) error {
	var data []byte
	err := s.db.pool.QueryRow(ctx, `SELECT doc FROM `+table+` WHERE name = $1 AND doc <> ''`, name).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return registry.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// updateRecord decodes the JSON of name in table into v if there is one
// (v keeps its initial value otherwise), runs fn and stores v, in one
// transaction holding the record's row. A record seen for the first time
// is inserted empty first, so that concurrent first updates queue on its
// row; rolling back removes it again.
func (s *RegistryStore) updateRecord(ctx context.Context, table, name string, v any, fn func(pgx.Tx) error) error {
	if name == "" {
		return errors.New("empty name")
	}
	return s.db.runsTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO `+table+` (name, doc) VALUES ($1, '') ON CONFLICT (name) DO NOTHING`, name)
		if err != nil {
			return err
		}
		var data []byte
		if err := tx.QueryRow(ctx, `SELECT doc FROM `+table+` WHERE name = $1 FOR UPDATE`, name).Scan(&data); err != nil {
			return err
		}
		if len(data) > 0 {
			if err := json.Unmarshal(data, v); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE `+table+` SET doc = $2 WHERE name = $1`, name, out)
		return err
	})
}

// putBlobs stores each blob under its digest, leaving existing ones.
func putBlobs(ctx context.Context, tx pgx.Tx, blobs [][]byte) error {
	for _, blob := range blobs {
		sum := sha256.Sum256(blob)
		if blob == nil {
			blob = []byte{} // bytea NOT NULL: an empty blob is still a blob
		}
		_, err := tx.Exec(ctx, `INSERT INTO registry_blobs (sha256, content) VALUES ($1, $2)
			ON CONFLICT (sha256) DO NOTHING`, hex.EncodeToString(sum[:]), blob)
		if err != nil {
			return fmt.Errorf("put blob: %w", err)
		}
	}
	return nil
}

// listRegistryRecords decodes every record of table, by name.
func listRegistryRecords[T any](ctx context.Context, db *DB, table string) ([]T, error) {
	rows, err := db.pool.Query(ctx, `SELECT doc FROM `+table+` WHERE doc <> '' ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(docs))
	for _, data := range docs {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}
