package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/registry"
)

// Buckets of the plugin registry. Blobs (manifests and modules) are kept by
// the SHA-256 of their content, so versions that share a module share it.
const (
	bucketRegistryPlugins    = "registry_plugins"    // name -> PluginRecord JSON
	bucketRegistryPublishers = "registry_publishers" // name -> PublisherRecord JSON
	bucketRegistryBlobs      = "registry_blobs"      // sha256 hex -> content
)

// RegistryStore is the plugin registry's storage on the database. Obtain
// it with DB.Registry.
type RegistryStore struct {
	db *DB
}

var _ registry.Store = (*RegistryStore)(nil)

// Registry returns the plugin registry's view of the database.
func (db *DB) Registry() *RegistryStore { return &RegistryStore{db: db} }

// GetPlugin implements registry.Store.
func (s *RegistryStore) GetPlugin(ctx context.Context, name string) (registry.PluginRecord, error) {
	var p registry.PluginRecord
	if err := s.getRecord(ctx, bucketRegistryPlugins, name, &p); err != nil {
		return registry.PluginRecord{}, fmt.Errorf("get plugin %s: %w", name, err)
	}
	return p, nil
}

// ListPlugins implements registry.Store.
func (s *RegistryStore) ListPlugins(ctx context.Context) ([]registry.PluginRecord, error) {
	out, err := listRecords[registry.PluginRecord](ctx, s.db, bucketRegistryPlugins)
	if err != nil {
		return nil, fmt.Errorf("list plugins: %w", err)
	}
	return out, nil
}

// UpdatePlugin implements registry.Store.
func (s *RegistryStore) UpdatePlugin(ctx context.Context, name string, fn func(*registry.PluginRecord) error, blobs ...[]byte) (registry.PluginRecord, error) {
	p := registry.PluginRecord{Name: name}
	err := s.updateRecord(ctx, bucketRegistryPlugins, name, &p, func(tx *bolt.Tx) error {
		if err := fn(&p); err != nil {
			return err
		}
		if p.Name != name {
			return fmt.Errorf("plugin name changed from %s to %s", name, p.Name)
		}
		return putBlobs(tx, blobs)
	})
	if err != nil {
		return registry.PluginRecord{}, fmt.Errorf("update plugin %s: %w", name, err)
	}
	return p, nil
}

// GetBlob implements registry.Store.
func (s *RegistryStore) GetBlob(ctx context.Context, sha256hex string) ([]byte, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	v, err := s.db.get(bucketRegistryBlobs, sha256hex)
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", sha256hex, registryNotFound(err))
	}
	return v, nil
}

// DeleteBlob implements registry.Store.
func (s *RegistryStore) DeleteBlob(ctx context.Context, sha256hex string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := s.db.delete(bucketRegistryBlobs, sha256hex)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete blob %s: %w", sha256hex, err)
	}
	return nil
}

// GetPublisher implements registry.Store.
func (s *RegistryStore) GetPublisher(ctx context.Context, name string) (registry.PublisherRecord, error) {
	var p registry.PublisherRecord
	if err := s.getRecord(ctx, bucketRegistryPublishers, name, &p); err != nil {
		return registry.PublisherRecord{}, fmt.Errorf("get publisher %s: %w", name, err)
	}
	return p, nil
}

// ListPublishers implements registry.Store.
func (s *RegistryStore) ListPublishers(ctx context.Context) ([]registry.PublisherRecord, error) {
	out, err := listRecords[registry.PublisherRecord](ctx, s.db, bucketRegistryPublishers)
	if err != nil {
		return nil, fmt.Errorf("list publishers: %w", err)
	}
	return out, nil
}

// UpdatePublisher implements registry.Store.
func (s *RegistryStore) UpdatePublisher(ctx context.Context, name string, fn func(*registry.PublisherRecord) error) (registry.PublisherRecord, error) {
	p := registry.PublisherRecord{Name: name}
	err := s.updateRecord(ctx, bucketRegistryPublishers, name, &p, func(*bolt.Tx) error {
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

// getRecord decodes the JSON at key into v, or returns registry.ErrNotFound.
func (s *RegistryStore) getRecord(ctx context.Context, bucket, key string, v any) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if key == "" {
		return registry.ErrNotFound
	}
	data, err := s.db.get(bucket, key)
	if err != nil {
		return registryNotFound(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// updateRecord decodes the JSON at key into v if there is one (v keeps its
// initial value otherwise), runs fn and stores v, in one transaction.
func (s *RegistryStore) updateRecord(ctx context.Context, bucket, key string, v any, fn func(*bolt.Tx) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey(bucket, key); err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		if data := b.Get([]byte(key)); data != nil {
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
		return b.Put([]byte(key), out)
	})
}

// putBlobs stores each blob under its digest, leaving existing ones.
func putBlobs(tx *bolt.Tx, blobs [][]byte) error {
	if len(blobs) == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists([]byte(bucketRegistryBlobs))
	if err != nil {
		return err
	}
	for _, blob := range blobs {
		sum := sha256.Sum256(blob)
		key := []byte(hex.EncodeToString(sum[:]))
		if b.Get(key) != nil {
			continue
		}
		if err := b.Put(key, blob); err != nil {
			return fmt.Errorf("put blob: %w", err)
		}
	}
	return nil
}

// listRecords decodes every value of bucket, in key order.
func listRecords[T any](ctx context.Context, db *DB, bucket string) ([]T, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []T{}
	err := db.view(bucket, func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, data []byte) error {
			var v T
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			out = append(out, v)
			return nil
		})
	})
	return out, err
}

// registryNotFound maps the store's ErrNotFound to registry.ErrNotFound.
func registryNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return registry.ErrNotFound
	}
	return err
}
