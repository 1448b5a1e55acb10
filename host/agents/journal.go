package agents

import (
	"context"
	"encoding/json"
	"fmt"
)

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

// journaled runs fn as the step name of j, encoding its result as JSON for
// the journal; with Direct it runs fn and skips the encoding.
func journaled[T any](ctx context.Context, j Journal, name string, fn func(context.Context) (T, error)) (T, error) {
	if _, ok := j.(Direct); ok {
		return fn(ctx)
	}
	var out T
	b, err := j.Step(ctx, name, func(ctx context.Context) ([]byte, error) {
		v, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode journaled step %s: %w", name, err)
	}
	return out, nil
}
