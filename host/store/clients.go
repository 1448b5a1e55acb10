package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// clientRecord is the stored form of an OAuth client; its JSON is the on-disk
// format, so fields are only ever added.
type clientRecord struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Scopes     []string  `json:"scopes"`
	Status     string    `json:"status"`
	SecretHash []byte    `json:"secret_sha256"`
	CreatedAt  time.Time `json:"created_at"`
	RotatedAt  time.Time `json:"rotated_at,omitzero"`
	Generation uint64    `json:"generation,omitempty"`
	// RedirectURIs and Public were added with the authorization code flow.
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	Public       bool     `json:"public,omitempty"`
}

func toClientRecord(c authstore.Client) clientRecord {
	return clientRecord{
		ID: c.ID, Name: c.Name, Scopes: c.Scopes, Status: string(c.Status),
		SecretHash: c.SecretHash, CreatedAt: c.CreatedAt, RotatedAt: c.RotatedAt,
		Generation: c.Generation, RedirectURIs: c.RedirectURIs, Public: c.Public,
	}
}

func (r clientRecord) client() authstore.Client {
	return authstore.Client{
		ID: r.ID, Name: r.Name, Scopes: r.Scopes, Status: authstore.ClientStatus(r.Status),
		SecretHash: r.SecretHash, CreatedAt: r.CreatedAt, RotatedAt: r.RotatedAt,
		Generation: r.Generation, RedirectURIs: r.RedirectURIs, Public: r.Public,
	}
}

// CreateClient implements authstore.Clients.
func (s *AuthStore) CreateClient(ctx context.Context, c authstore.Client) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("client", c.ID); err != nil {
		return err
	}
	data, err := json.Marshal(toClientRecord(c))
	if err != nil {
		return fmt.Errorf("create client %s: encode: %w", c.ID, err)
	}
	err = s.db.update(bucketAuthClients, func(b *bolt.Bucket) error {
		if b.Get([]byte(c.ID)) != nil {
			return authstore.ErrExists
		}
		if err := b.Put([]byte(c.ID), data); err != nil {
			return err
		}
		return putClientState(b.Tx(), c)
	})
	if err != nil {
		return fmt.Errorf("create client %s: %w", c.ID, err)
	}
	return nil
}

// GetClient implements authstore.Clients.
func (s *AuthStore) GetClient(ctx context.Context, id string) (authstore.Client, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.Client{}, err
	}
	if id == "" {
		return authstore.Client{}, fmt.Errorf("get client: %w", authstore.ErrNotFound)
	}
	var r clientRecord
	if err := s.getJSON(bucketAuthClients, id, &r); err != nil {
		return authstore.Client{}, fmt.Errorf("get client %s: %w", id, err)
	}
	return r.client(), nil
}

// ListClients implements authstore.Clients.
func (s *AuthStore) ListClients(ctx context.Context) ([]authstore.Client, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []authstore.Client{}
	err := s.forEachJSON(bucketAuthClients, func(data []byte) error {
		var r clientRecord
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		out = append(out, r.client())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	return out, nil
}

// UpdateClient implements authstore.Clients.
func (s *AuthStore) UpdateClient(ctx context.Context, id string, fn func(*authstore.Client) error) (authstore.Client, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.Client{}, err
	}
	if id == "" {
		return authstore.Client{}, fmt.Errorf("update client: %w", authstore.ErrNotFound)
	}
	var r clientRecord
	var out authstore.Client
	err := s.updateJSON(bucketAuthClients, id, &r, func(tx *bolt.Tx) error {
		c := r.client()
		if err := fn(&c); err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("client id changed from %s to %s", id, c.ID)
		}
		r, out = toClientRecord(c), c
		if err := putClientState(tx, c); err != nil {
			return err
		}
		return bumpEpoch(tx)
	})
	if err != nil {
		return authstore.Client{}, fmt.Errorf("update client %s: %w", id, err)
	}
	return out, nil
}

// DeleteClient implements authstore.Clients.
func (s *AuthStore) DeleteClient(ctx context.Context, id string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("delete client: %w", authstore.ErrNotFound)
	}
	err := s.db.update(bucketAuthClients, func(b *bolt.Bucket) error {
		if b.Get([]byte(id)) == nil {
			return authstore.ErrNotFound
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if st := b.Tx().Bucket([]byte(bucketAuthClientState)); st != nil {
			if err := st.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return bumpEpoch(b.Tx())
	})
	if err != nil {
		return fmt.Errorf("delete client %s: %w", id, err)
	}
	return nil
}

// putClientState records c's status and generation in the compact index
// verifiers read.
func putClientState(tx *bolt.Tx, c authstore.Client) error {
	b, err := tx.CreateBucketIfNotExists([]byte(bucketAuthClientState))
	if err != nil {
		return err
	}
	v := make([]byte, 9)
	if c.Status == authstore.ClientActive {
		v[0] = 1
	}
	binary.BigEndian.PutUint64(v[1:], c.Generation)
	return b.Put([]byte(c.ID), v)
}

// readClientState returns the state of client id in tx. A client written by
// a version without the compact index is read from its record.
func readClientState(tx *bolt.Tx, id string) (found bool, status authstore.ClientStatus, gen uint64, err error) {
	if b := tx.Bucket([]byte(bucketAuthClientState)); b != nil {
		if v := b.Get([]byte(id)); len(v) == 9 {
			status = authstore.ClientDisabled
			if v[0] == 1 {
				status = authstore.ClientActive
			}
			return true, status, binary.BigEndian.Uint64(v[1:]), nil
		}
	}
	b := tx.Bucket([]byte(bucketAuthClients))
	if b == nil {
		return false, "", 0, nil
	}
	data := b.Get([]byte(id))
	if data == nil {
		return false, "", 0, nil
	}
	var r clientRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return false, "", 0, fmt.Errorf("decode client %s: %w", id, err)
	}
	return true, authstore.ClientStatus(r.Status), r.Generation, nil
}
