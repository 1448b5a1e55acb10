package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ClientLimits keeps the request limits an admin set per client, as opaque
// JSON documents the HTTP layer encodes (httpapi.DocumentStore). Obtain it
// with DB.ClientLimits.
type ClientLimits struct{ db *DB }

// ClientLimits returns the per-client limits on the database.
func (db *DB) ClientLimits() ClientLimits { return ClientLimits{db: db} }

// Get returns the client's limits document; ok is false when it has none.
func (s ClientLimits) Get(ctx context.Context, clientID string) (doc []byte, ok bool, err error) {
	err = s.db.pool.QueryRow(ctx, `SELECT doc FROM client_limits WHERE client_id = $1`, clientID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get limits of %s: %w", clientID, err)
	}
	return doc, true, nil
}

// Put stores the client's limits document.
func (s ClientLimits) Put(ctx context.Context, clientID string, doc []byte) error {
	if clientID == "" {
		return errors.New("put limits: empty client id")
	}
	if doc == nil {
		doc = []byte{}
	}
	_, err := s.db.pool.Exec(ctx, `INSERT INTO client_limits (client_id, doc) VALUES ($1, $2)
		ON CONFLICT (client_id) DO UPDATE SET doc = EXCLUDED.doc`, clientID, doc)
	if err != nil {
		return fmt.Errorf("put limits of %s: %w", clientID, err)
	}
	return nil
}

// Delete removes the client's limits; deleting none is not an error.
func (s ClientLimits) Delete(ctx context.Context, clientID string) error {
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM client_limits WHERE client_id = $1`, clientID); err != nil {
		return fmt.Errorf("delete limits of %s: %w", clientID, err)
	}
	return nil
}
