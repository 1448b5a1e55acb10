package runstore

import (
	"context"
	"time"
)

// IdempotencyRecord remembers the first request made with an
// Idempotency-Key, per client, until it expires.
type IdempotencyRecord struct {
	ClientID string `json:"client_id"`
	Key      string `json:"key"`
	// RequestHash identifies the request (mode, plugin, action, input...):
	// the same key with another request is a conflict.
	RequestHash string `json:"request_hash"`
	// RunID is the run an asynchronous request started.
	RunID string `json:"run_id,omitempty"`
	// Owner identifies the process running a synchronous request; empty
	// once Done.
	Owner string `json:"owner,omitempty"`
	// Done is set when Response holds the first request's answer (or, for
	// an async request, as soon as RunID is set).
	Done bool `json:"done"`
	// Interrupted is set when the process running the first request died
	// before it answered: its outcome is unknown.
	Interrupted bool      `json:"interrupted,omitempty"`
	Response    Response  `json:"response,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Response is the first answer to a synchronous request, replayed as is.
type Response struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// IdempotencyStore persists idempotency records. Implementations must be
// safe for concurrent use and run runstoretest.TestIdempotencyStore.
type IdempotencyStore interface {
	// ClaimIdempotency stores rec unless an unexpired record (ExpiresAt
	// after now) exists for its ClientID and Key. It returns the record
	// that holds the key afterwards and whether it is rec. An expired
	// record is replaced. Concurrent claims of one key: exactly one wins.
	ClaimIdempotency(ctx context.Context, rec IdempotencyRecord, now time.Time) (IdempotencyRecord, bool, error)
	// UpdateIdempotency applies fn to the record of (clientID, key) and
	// stores it, atomically; ErrNotFound if there is none.
	UpdateIdempotency(ctx context.Context, clientID, key string, fn func(*IdempotencyRecord) error) (IdempotencyRecord, error)
	// DeleteIdempotency removes the record of (clientID, key); deleting a
	// missing record is not an error.
	DeleteIdempotency(ctx context.Context, clientID, key string) error
	// PurgeIdempotency deletes records that expired at or before now and
	// returns how many.
	PurgeIdempotency(ctx context.Context, now time.Time) (int, error)
	// IdempotencyUsage returns how many records clientID has stored and
	// their size as stored, counting every claim, update, delete and purge.
	IdempotencyUsage(ctx context.Context, clientID string) (Usage, error)
}
