package runs

import (
	"context"
	"fmt"
	"time"

	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/runs/runstore"
)

// Default per-client quotas: enough for a busy agent's day of idempotent
// calls and a week of runs, while one client can never fill the disk.
var (
	DefaultIdempotencyQuota = quota.Limit{Count: 10000, Bytes: 256 << 20}
	DefaultRunQuota         = quota.Limit{Count: 10000, Bytes: 256 << 20}
)

// withDefault applies def to l's zero fields; negative fields mean no bound.
func withDefault(l, def quota.Limit) quota.Limit {
	if l.Count == 0 {
		l.Count = def.Count
	}
	if l.Bytes == 0 {
		l.Bytes = def.Bytes
	}
	return quota.Limit{Count: max(l.Count, 0), Bytes: max(l.Bytes, 0)}
}

func usage(u runstore.Usage) quota.Usage { return quota.Usage{Count: u.Count, Bytes: u.Bytes} }

// SetQuota bounds each client's idempotency records: a new key is refused
// (quota.ErrExceeded) once the client keeps l.Count records, or l.Bytes
// bytes of them. A repeat of a stored request is always answered. Zero
// fields take DefaultIdempotencyQuota's, negative ones mean no bound. Call
// it before use.
func (i *Idempotency) SetQuota(l quota.Limit) { i.quota = withDefault(l, DefaultIdempotencyQuota) }

// claim claims rec's key unless the client is over its quota, in which
// case a new claim is taken back. Claims are serialised so that concurrent
// requests cannot all pass the same check: by i.mu in this process, or by
// the store's transaction on a store replicas share.
func (i *Idempotency) claim(ctx context.Context, rec runstore.IdempotencyRecord, now time.Time) (runstore.IdempotencyRecord, bool, error) {
	// A byte quota refuses once it is reached: the size a record will have
	// (its answer) is not known yet.
	check := func(u runstore.Usage) error { return i.quota.Check(quota.StoreIdempotency, usage(u), 1, 1) }
	if qs, ok := i.store.(runstore.IdempotencyQuotaStore); ok {
		return qs.ClaimIdempotencyWithin(ctx, rec, now, check)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	u, err := i.store.IdempotencyUsage(ctx, rec.ClientID)
	if err != nil {
		return runstore.IdempotencyRecord{}, false, fmt.Errorf("read usage: %w", err)
	}
	got, claimed, err := i.store.ClaimIdempotency(ctx, rec, now)
	if err != nil || !claimed {
		return got, claimed, err
	}
	if qerr := check(u); qerr != nil {
		if err := i.store.DeleteIdempotency(context.WithoutCancel(ctx), rec.ClientID, rec.Key); err != nil {
			return runstore.IdempotencyRecord{}, false, fmt.Errorf("release key over quota: %w", err)
		}
		return runstore.IdempotencyRecord{}, false, qerr
	}
	return got, true, nil
}

// createWithin stores the new run r (of size bytes of input) unless its
// client is over its quota. The caller holds m.quotaMu, which serialises
// the check with the creation in this process; a store shared by replicas
// (runstore.QuotaStore) checks and creates in one transaction instead.
func (m *Manager) createWithin(ctx context.Context, r Run, size int64) error {
	check := func(u runstore.Usage) error { return m.cfg.Quota.Check(quota.StoreRuns, usage(u), 1, size) }
	if qs, ok := m.cfg.Store.(runstore.QuotaStore); ok {
		return qs.CreateRunWithin(ctx, r, check)
	}
	u, err := m.cfg.Store.RunUsage(ctx, r.ClientID)
	if err != nil {
		return fmt.Errorf("read usage: %w", err)
	}
	if err := check(u); err != nil {
		return err
	}
	return m.cfg.Store.CreateRun(ctx, r)
}
