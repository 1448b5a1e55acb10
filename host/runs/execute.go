package runs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/runs/runstore"
)

// errNotQueued means a worker took a run that is no longer queued.
var errNotQueued = errors.New("run is not queued")

// errNotRunning means a finished run's record was no longer running.
var errNotRunning = errors.New("run is not running")

// work executes queued runs until ctx ends.
func (m *Manager) work(ctx context.Context) {
	for {
		id, ok := m.queue.pop(ctx)
		if !ok {
			return
		}
		m.execute(id)
	}
}

// execute runs one queued run and records its result.
func (m *Manager) execute(id string) {
	r, err := m.cfg.Store.UpdateRun(context.WithoutCancel(m.runCtx), id, func(r *Run) error {
		if r.Status != StatusQueued {
			return errNotQueued
		}
		r.Status, r.StartedAt = StatusRunning, time.Now().UTC()
		return nil
	})
	if errors.Is(err, errNotQueued) {
		return
	}
	if err != nil {
		m.log.Error("start run", logRun, id, logErr, err)
		return
	}
	m.run(r)
}

// run invokes the started run r and records its result. Store writes use
// a context that shutdown does not cancel: a result must not be lost.
func (m *Manager) run(r Run) {
	ctx, id := context.WithoutCancel(m.runCtx), r.ID
	out, err := m.invoke(r)
	kind, msg := "", ""
	if err != nil {
		kind, msg = m.cfg.Classify(err)
		if m.runCtx.Err() != nil {
			kind, msg = KindInterrupted, msgShutdown
		}
	}
	m.finish(ctx, id, out, kind, msg)
}

// invoke calls the Invoker for r's principal, turning a panic into an error.
func (m *Manager) invoke(r Run) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("invoker panicked: %v", v)
		}
	}()
	p := host.Principal{ClientID: r.ClientID, Subject: r.Subject, Scopes: r.Scopes, Actors: r.Actors}
	return m.cfg.Invoker.Invoke(host.WithRunID(m.runCtx, r.ID), p, r.Plugin, r.Action, r.Input)
}

// finish records a run's result (kind is empty on success) and starts its
// callback delivery.
func (m *Manager) finish(ctx context.Context, id string, out []byte, kind, msg string) {
	r, err := m.cfg.Store.UpdateRun(ctx, id, func(r *Run) error {
		if r.Status != StatusRunning {
			// Another replica took the run for dead and failed it as
			// interrupted: that is what its client was told.
			return errNotRunning
		}
		complete(r, out, kind, msg)
		return nil
	})
	if errors.Is(err, errNotRunning) {
		m.log.Warn("run result dropped: the run was taken over", logRun, id)
		return
	}
	if err != nil {
		m.log.Error("record run result", logRun, id, logErr, err)
		return
	}
	m.log.Info("run finished", logRun, id, logStatus, r.Status, logKind, kind)
	if r.Callback.State == runstore.DeliveryPending {
		m.startDelivery(id)
	}
}

// complete marks r finished; the input is no longer needed and is dropped.
func complete(r *Run, out []byte, kind, msg string) {
	now := time.Now().UTC()
	r.Status, r.FinishedAt, r.Input = StatusSucceeded, now, nil
	if kind != "" {
		r.Status, r.ErrorKind, r.ErrorMessage, out = StatusFailed, kind, msg, nil
	}
	r.Output = out
	if r.Callback.URL != "" {
		r.Callback.State, r.Callback.NextAttemptAt = runstore.DeliveryPending, now
	}
}

// recoverRuns takes over the runs a previous process left active: queued
// ones are queued again, running ones are failed as interrupted (see the
// package doc), and the ids with a pending callback are returned.
func (m *Manager) recoverRuns(ctx context.Context) ([]string, error) {
	active, err := m.cfg.Store.ActiveRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("recover runs: %w", err)
	}
	var pending []string
	for _, r := range active {
		switch r.Status {
		case StatusQueued:
			m.queue.push(r.ID)
			continue
		case StatusRunning:
			if r, err = m.interrupt(ctx, r.ID); err != nil {
				return nil, err
			}
		}
		if r.Callback.State == runstore.DeliveryPending {
			pending = append(pending, r.ID)
		}
	}
	return pending, nil
}

func (m *Manager) interrupt(ctx context.Context, id string) (Run, error) {
	r, err := m.cfg.Store.UpdateRun(ctx, id, func(r *Run) error {
		if r.Status == StatusRunning {
			complete(r, nil, KindInterrupted, msgRestarted)
		}
		return nil
	})
	if err != nil {
		return Run{}, fmt.Errorf("recover run %s: %w", id, err)
	}
	m.log.Warn("run interrupted by a restart", logRun, id)
	return r, nil
}

// purgeInterval is how often old runs and expired idempotency keys go.
const purgeInterval = time.Hour

func (m *Manager) purgeLoop() {
	t := time.NewTicker(m.cfg.SweepInterval)
	defer t.Stop()
	for {
		m.purge(m.bgCtx)
		select {
		case <-t.C:
		case <-m.bgCtx.Done():
			return
		}
	}
}

func (m *Manager) purge(ctx context.Context) {
	if _, err := m.cfg.Store.PurgeRuns(ctx, time.Now().Add(-m.cfg.Retention)); err != nil && ctx.Err() == nil {
		m.log.Error("purge runs", logErr, err)
	}
	if m.cfg.Idempotency == nil {
		return
	}
	if _, err := m.cfg.Idempotency.purge(ctx); err != nil && ctx.Err() == nil {
		m.log.Error("purge idempotency keys", logErr, err)
	}
}
