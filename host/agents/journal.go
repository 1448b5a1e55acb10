package agents

import "context"

// Journal makes a run's steps durable. Step runs fn at most once per run
// and name, records its result, and on a replay of the run (after a crash)
// returns the recorded result instead of running fn again. A step whose fn
// began but whose result was not recorded runs again: the loop guards the
// calls for which that would be wrong (see invokeStep).
type Journal interface {
	Step(ctx context.Context, name string, fn func(context.Context) ([]byte, error)) ([]byte, error)
}

// Direct is the Journal of runs that are not durable: it runs every step.
type Direct struct{}

// Step runs fn.
func (Direct) Step(ctx context.Context, _ string, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	return fn(ctx)
}
