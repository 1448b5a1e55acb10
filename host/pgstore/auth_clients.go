package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

const clientColumns = `id, name, scopes, status, secret_sha256, created_ns, rotated_ns, generation, redirect_uris, is_public`

// clientRow is a client as bind parameters, in clientColumns order.
func clientRow(c authstore.Client) ([]any, error) {
	created, err := nsOf("created_at", c.CreatedAt)
	if err != nil {
		return nil, err
	}
	rotated, err := nsOf("rotated_at", c.RotatedAt)
	if err != nil {
		return nil, err
	}
	gen, err := generation(c.Generation)
	if err != nil {
		return nil, err
	}
	// pgx sends nil slices as NULL; the columns hold empty values instead.
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	hash := c.SecretHash
	if hash == nil {
		hash = []byte{}
	}
	redirects := c.RedirectURIs
	if redirects == nil {
		redirects = []string{}
	}
	return []any{c.ID, c.Name, scopes, string(c.Status), hash, created, rotated, gen, redirects, c.Public}, nil
}

func scanClient(row pgx.Row) (authstore.Client, error) {
	var c authstore.Client
	var status string
	var created, rotated *int64
	var gen int64
	if err := row.Scan(&c.ID, &c.Name, &c.Scopes, &status, &c.SecretHash, &created, &rotated, &gen, &c.RedirectURIs, &c.Public); err != nil {
		return authstore.Client{}, notFound(err)
	}
	if len(c.RedirectURIs) == 0 {
		c.RedirectURIs = nil // as the bbolt store returns a client without any
	}
	c.Status, c.CreatedAt, c.RotatedAt, c.Generation = authstore.ClientStatus(status), timeOf(created), timeOf(rotated), uint64(gen)
	return c, nil
}

// CreateClient implements authstore.Clients.
func (s *AuthStore) CreateClient(ctx context.Context, c authstore.Client) error {
	if err := checkKey("client", c.ID); err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	args, err := clientRow(c)
	if err != nil {
		return fmt.Errorf("create client %s: %w", c.ID, err)
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO auth_clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`, args...)
	if err == nil && tag.RowsAffected() == 0 {
		err = authstore.ErrExists
	}
	if err != nil {
		return fmt.Errorf("create client %s: %w", c.ID, err)
	}
	return nil
}

// GetClient implements authstore.Clients.
func (s *AuthStore) GetClient(ctx context.Context, id string) (authstore.Client, error) {
	if id == "" {
		return authstore.Client{}, fmt.Errorf("get client: %w", authstore.ErrNotFound)
	}
	c, err := scanClient(s.db.pool.QueryRow(ctx, `SELECT `+clientColumns+` FROM auth_clients WHERE id = $1`, id))
	if err != nil {
		return authstore.Client{}, fmt.Errorf("get client %s: %w", id, err)
	}
	return c, nil
}

// ListClients implements authstore.Clients.
func (s *AuthStore) ListClients(ctx context.Context) ([]authstore.Client, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+clientColumns+` FROM auth_clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (authstore.Client, error) { return scanClient(r) })
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	if out == nil {
		out = []authstore.Client{}
	}
	return out, nil
}

// UpdateClient implements authstore.Clients: the row is locked (FOR
// UPDATE) from the read to the write, so concurrent updates on any replica
// never lose each other, and the epoch moves in the same transaction.
func (s *AuthStore) UpdateClient(ctx context.Context, id string, fn func(*authstore.Client) error) (authstore.Client, error) {
	if id == "" {
		return authstore.Client{}, fmt.Errorf("update client: %w", authstore.ErrNotFound)
	}
	var out authstore.Client
	err := s.withEpoch(ctx, func(tx pgx.Tx) error {
		c, err := scanClient(tx.QueryRow(ctx, `SELECT `+clientColumns+` FROM auth_clients WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("client id changed from %s to %s", id, c.ID)
		}
		args, err := clientRow(c)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE auth_clients SET name = $2, scopes = $3, status = $4,
			secret_sha256 = $5, created_ns = $6, rotated_ns = $7, generation = $8,
			redirect_uris = $9, is_public = $10 WHERE id = $1`, args...); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return authstore.Client{}, fmt.Errorf("update client %s: %w", id, err)
	}
	return out, nil
}

// DeleteClient implements authstore.Clients.
func (s *AuthStore) DeleteClient(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("delete client: %w", authstore.ErrNotFound)
	}
	err := s.withEpoch(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM auth_clients WHERE id = $1`, id)
		if err == nil && tag.RowsAffected() == 0 {
			err = authstore.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete client %s: %w", id, err)
	}
	return nil
}
