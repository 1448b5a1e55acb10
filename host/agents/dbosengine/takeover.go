package dbosengine

import (
	"context"
	"errors"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"
)

// Executors records which DBOS executors (one per replica) are alive, on
// the database replicas share; host/pgstore implements it. DBOS recovers
// at launch the runs of its own executor id only; with Executors, a
// replica that stopped beating for ExecutorTimeout is taken for dead, and
// one other replica resumes its pending runs from their recorded steps.
type Executors interface {
	// Beat records that the executor id is alive at now.
	Beat(ctx context.Context, id string, now time.Time) error
	// TakeOver removes and returns the executors last seen before cutoff,
	// each to one caller only.
	TakeOver(ctx context.Context, cutoff time.Time) ([]string, error)
}

// DefaultExecutorTimeout is how long a replica may go without beating
// before its agent runs are taken over. It is long beside the beat
// interval: a replica taken for dead while it lives would run its runs
// on two replicas at once (DBOS still records each step once).
const DefaultExecutorTimeout = time.Minute

// beatsPerTimeout is how many beats fit in ExecutorTimeout.
const beatsPerTimeout = 6

// watch beats for this executor and takes over dead ones' runs until
// stop is closed.
func (e *Engine) watch(stop <-chan struct{}) {
	t := time.NewTicker(e.cfg.ExecutorTimeout / beatsPerTimeout)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop: // a database that hangs must not hold Shutdown
		case <-ctx.Done():
		}
		cancel()
	}()
	for {
		if err := e.beatAndTakeOver(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("agent executors", "err", err)
		}
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

// beatAndTakeOver records that this executor lives and resumes the pending
// runs of the executors that stopped beating.
func (e *Engine) beatAndTakeOver(ctx context.Context) error {
	now := time.Now()
	if err := e.cfg.Executors.Beat(ctx, e.executorID(), now); err != nil {
		return err
	}
	dead, err := e.cfg.Executors.TakeOver(ctx, now.Add(-e.cfg.ExecutorTimeout))
	if err != nil || len(dead) == 0 {
		return err
	}
	pending, err := dbos.ListWorkflows(e.dctx, dbos.WithFilterExecutorIDs(dead...),
		dbos.WithFilterStatus(dbos.WorkflowStatusPending), dbos.WithFilterName(workflowName))
	if err != nil {
		return err
	}
	var errs []error
	for _, st := range pending {
		if _, err := dbos.ResumeWorkflow[any](e.dctx, st.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		e.log.Warn("agent run taken over from a dead replica", "run_id", st.ID, "executor", st.ExecutorID)
	}
	return errors.Join(errs...)
}

func (e *Engine) executorID() string { return dbos.GetExecutorID(e.dctx) }
