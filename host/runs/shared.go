package runs

import (
	"context"
	"fmt"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// On a store several replicas share (runstore.LeaseStore: PostgreSQL), a
// Manager does not keep its own queue. Its workers claim the oldest queued
// run from the store, whichever replica submitted it, so each run executes
// on exactly one replica; a Submit here only wakes them, and they also look
// every pollInterval for runs submitted elsewhere. A running run is leased
// to its replica, which renews the lease every LeaseTTL/3; a run whose
// lease ran out belonged to a replica that died, and the first replica to
// notice fails it as interrupted, as a restart does (see the package doc):
// it is never run twice. A pending callback overdue by more than LeaseTTL
// is taken to have lost its sender and is resumed; a receiver may then get
// it twice, with the same webhook-id, which Standard Webhooks receivers
// use to drop duplicates.

// DefaultLeaseTTL is how long a running run stays its replica's without a
// renewal.
const DefaultLeaseTTL = 30 * time.Second

// pollInterval is how often idle workers on a shared store look for runs
// submitted on other replicas.
const pollInterval = time.Second

// shared reports whether the store is shared by several replicas.
func (m *Manager) shared() bool { return m.leases != nil }

// claimWork executes the runs workers claim from a shared store until ctx
// ends.
func (m *Manager) claimWork(ctx context.Context) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for ctx.Err() == nil {
		now := time.Now()
		r, ok, err := m.leases.ClaimRun(context.WithoutCancel(m.runCtx), m.owner, now, now.Add(m.cfg.LeaseTTL))
		if err != nil && ctx.Err() == nil {
			m.log.Error("claim run", logErr, err)
		}
		if ok {
			m.run(r)
			continue
		}
		select {
		case <-m.queue.ready:
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// leaseLoop renews this replica's leases and takes over what dead
// replicas left, until ctx ends (after the last run here finished).
func (m *Manager) leaseLoop(ctx context.Context) {
	t := time.NewTicker(m.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		if _, err := m.leases.RenewLeases(ctx, m.owner, time.Now().Add(m.cfg.LeaseTTL)); err != nil && ctx.Err() == nil {
			m.log.Error("renew run leases", logErr, err)
		}
		if m.bgCtx.Err() != nil {
			continue // stopping: only keep the leases of the runs draining
		}
		if err := m.takeOver(m.bgCtx); err != nil && m.bgCtx.Err() == nil {
			m.log.Error("take over runs", logErr, err)
		}
	}
}

// takeOver fails the runs whose replica died as interrupted and resumes
// overdue callbacks.
func (m *Manager) takeOver(ctx context.Context) error {
	expired, err := m.leases.ExpiredRuns(ctx, time.Now())
	if err != nil {
		return err
	}
	for _, r := range expired {
		r, err := m.interrupt(ctx, r.ID)
		if err != nil {
			return err
		}
		if r.Callback.State == runstore.DeliveryPending {
			m.startDelivery(r.ID)
		}
	}
	overdue, err := m.overdueCallbacks(ctx)
	for _, id := range overdue {
		m.startDelivery(id)
	}
	return err
}

// overdueCallbacks returns the runs whose pending callback is overdue by
// more than a lease: their sender is gone.
func (m *Manager) overdueCallbacks(ctx context.Context) ([]string, error) {
	active, err := m.cfg.Store.ActiveRuns(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	limit := time.Now().Add(-m.cfg.LeaseTTL)
	for _, r := range active {
		if r.Status.Done() && r.Callback.State == runstore.DeliveryPending && r.Callback.NextAttemptAt.Before(limit) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// recoverShared is recoverRuns on a shared store: queued runs wait in the
// store for any replica's workers, and only runs whose lease ran out are
// another replica's leftovers.
func (m *Manager) recoverShared(ctx context.Context) ([]string, error) {
	expired, err := m.leases.ExpiredRuns(ctx, time.Now())
	if err != nil {
		return nil, fmt.Errorf("recover runs: %w", err)
	}
	var pending []string
	for _, r := range expired {
		if r, err = m.interrupt(ctx, r.ID); err != nil {
			return nil, err
		}
		if r.Callback.State == runstore.DeliveryPending {
			pending = append(pending, r.ID)
		}
	}
	overdue, err := m.overdueCallbacks(ctx)
	if err != nil {
		return nil, fmt.Errorf("recover runs: %w", err)
	}
	return append(pending, overdue...), nil
}
