package runstore

import (
	"context"
	"time"
)

// The interfaces below are implemented by backends that several processes
// use at once (host/pgstore: replicas on one PostgreSQL), and only by
// them: host/runs uses them when the store has them, and then takes the
// store to be shared. An embedded store, which one process owns, needs
// none of them.

// QuotaStore checks a client's quota and creates its run in one
// transaction, so that processes creating runs for one client at once are
// checked one after the other.
type QuotaStore interface {
	// CreateRunWithin is CreateRun that first calls check with the
	// client's usage before r; an error from check stores nothing and is
	// returned (wrapped). A nil check checks nothing.
	CreateRunWithin(ctx context.Context, r Run, check func(Usage) error) error
}

// IdempotencyQuotaStore is QuotaStore for idempotency keys.
type IdempotencyQuotaStore interface {
	// ClaimIdempotencyWithin is ClaimIdempotency that, when rec would be
	// stored, first calls check with the client's usage before rec; an
	// error from check stores nothing and is returned (wrapped).
	ClaimIdempotencyWithin(ctx context.Context, rec IdempotencyRecord, now time.Time, check func(Usage) error) (IdempotencyRecord, bool, error)
}

// LeaseStore hands queued runs to the processes sharing the store, each
// run to exactly one, and leases each running run to its process: the
// process renews its leases while it lives, and a run whose lease ran out
// belongs to a process that died.
type LeaseStore interface {
	// ClaimRun moves the oldest queued run that no other process is
	// claiming to running (StartedAt now), leased to owner until until,
	// and returns it; ok is false when no run is queued.
	ClaimRun(ctx context.Context, owner string, now, until time.Time) (r Run, ok bool, err error)
	// RenewLeases extends to until the lease of every running run owner
	// holds, and returns how many it extended.
	RenewLeases(ctx context.Context, owner string, until time.Time) (int, error)
	// ExpiredRuns returns the running runs whose lease ended at or before
	// now, or that have none, oldest first.
	ExpiredRuns(ctx context.Context, now time.Time) ([]Run, error)
}
