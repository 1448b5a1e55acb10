package store

import (
	"context"
	"errors"
)

const bucketClientLimits = "client_limits"

// ClientLimits keeps the request limits an admin set per client, as opaque
// JSON documents the HTTP layer encodes.
type ClientLimits struct{ db *DB }

// ClientLimits returns the per-client limits on the database.
func (db *DB) ClientLimits() ClientLimits { return ClientLimits{db: db} }

// Get returns the client's limits document; ok is false when it has none.
func (s ClientLimits) Get(_ context.Context, clientID string) (doc []byte, ok bool, err error) {
	doc, err = s.db.get(bucketClientLimits, clientID)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	return doc, err == nil, err
}

// Put stores the client's limits document.
func (s ClientLimits) Put(_ context.Context, clientID string, doc []byte) error {
	return s.db.put(bucketClientLimits, clientID, doc)
}

// Delete removes the client's limits; deleting none is not an error.
func (s ClientLimits) Delete(_ context.Context, clientID string) error {
	if err := s.db.delete(bucketClientLimits, clientID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}
