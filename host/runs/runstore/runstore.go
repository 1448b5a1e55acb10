// Package runstore is the storage contract of asynchronous runs and of
// idempotency keys: the records host/runs keeps and the interfaces a backend
// implements (host/store on bbolt; runstoretest is the conformance suite).
//
// It is a leaf package, apart from host/runs (which imports host), so that a
// backend can implement it without an import cycle. It must never import
// anything but the standard library, nor grow behaviour beyond plain data
// helpers.
package runstore

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when a run or idempotency record does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned (wrapped) when creating a run whose ID is taken.
var ErrExists = errors.New("already exists")

// Status is where a run is in its life.
type Status string

// The run statuses; succeeded and failed are final.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
)

// Done reports whether s is final.
func (s Status) Done() bool { return s == StatusSucceeded || s == StatusFailed }

// DeliveryState is where a run's callback is.
type DeliveryState string

// The callback delivery states. A run without a callback has DeliveryNone.
const (
	DeliveryNone      DeliveryState = ""
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// Run is one asynchronous invocation. Its JSON is the bbolt store's on-disk
// format, so fields are only ever added.
type Run struct {
	ID string `json:"id"`
	// ClientID, Subject and Scopes are the principal the run executes for.
	ClientID string   `json:"client_id"`
	Subject  string   `json:"subject"`
	Scopes   []string `json:"scopes,omitempty"`
	// Actors is the principal's delegation chain (host.Principal.Actors).
	Actors []string `json:"actors,omitempty"`
	Plugin string   `json:"plugin"`
	Action string   `json:"action"`
	// Input is kept only until the run finishes.
	Input  []byte `json:"input,omitempty"`
	Status Status `json:"status"`
	// Output is the action's JSON output when the run succeeded.
	Output []byte `json:"output,omitempty"`
	// ErrorKind and ErrorMessage say why the run failed; the message is
	// safe to show the run's client.
	ErrorKind    string    `json:"error_kind,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	StartedAt    time.Time `json:"started_at,omitzero"`
	FinishedAt   time.Time `json:"finished_at,omitzero"`
	Callback     Callback  `json:"callback,omitzero"`
}

// Callback is where a run's result is POSTed, and how that went.
type Callback struct {
	URL      string        `json:"url"`
	State    DeliveryState `json:"state,omitempty"`
	Attempts int           `json:"attempts,omitempty"`
	// NextAttemptAt is when the next attempt is due, while State is pending.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// LastStatus is the HTTP status of the last attempt (0 if it got none)
	// and LastError what went wrong with it.
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Active reports whether the run still needs work: it has not finished, or
// its callback is pending. Backends index active runs for recovery.
func (r Run) Active() bool {
	return !r.Status.Done() || r.Callback.State == DeliveryPending
}

// Store persists runs. Implementations must be safe for concurrent use and
// run runstoretest.TestStore.
type Store interface {
	// CreateRun stores a new run; ErrExists if its ID is taken.
	CreateRun(ctx context.Context, r Run) error
	// GetRun returns the run with id, or ErrNotFound.
	GetRun(ctx context.Context, id string) (Run, error)
	// UpdateRun applies fn to the run with id and stores the result, in one
	// transaction with respect to other updates; an error from fn stores
	// nothing and is returned (wrapped). The run's ID must not change.
	UpdateRun(ctx context.Context, id string, fn func(*Run) error) (Run, error)
	// ActiveRuns returns every run whose Active() is true, oldest first.
	ActiveRuns(ctx context.Context) ([]Run, error)
	// PurgeRuns deletes runs created before t that are not active, and
	// returns how many it deleted.
	PurgeRuns(ctx context.Context, before time.Time) (int, error)
	// RunUsage returns how many runs clientID has stored and their size
	// as stored, counting every create, update and purge.
	RunUsage(ctx context.Context, clientID string) (Usage, error)
}

// Usage is what one client keeps in a store: a number of records and their
// size in bytes as the backend stores them.
type Usage struct {
	Count int
	Bytes int64
}
