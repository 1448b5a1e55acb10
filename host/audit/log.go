package audit

import (
	"context"
	"fmt"
	"time"
)

// Log is the audit log as the runtime and the admin API use it.
type Log struct {
	store Store
	now   func() time.Time
}

// NewLog returns a Log appending to s.
func NewLog(s Store) *Log {
	return &Log{store: s, now: time.Now}
}

// Append records e. A zero e.Time becomes now; the time is kept to the
// microsecond, which every backend can store exactly. Seq, PrevHash and Hash
// are assigned by the store, whatever e holds.
//
// Append ignores the cancellation of ctx (it keeps its values): an
// invocation whose caller hung up still happened and must be recorded.
func (l *Log) Append(ctx context.Context, e Entry) error {
	ctx = context.WithoutCancel(ctx)
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Seq, e.PrevHash, e.Hash = 0, "", ""
	if err := e.Validate(); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if _, err := l.store.Append(ctx, e); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// AppendBatch records es in order in one commit, normalising each like Append.
func (l *Log) AppendBatch(ctx context.Context, es []Entry) error {
	ctx = context.WithoutCancel(ctx)
	batch := make([]Entry, len(es))
	for i, e := range es {
		if e.Time.IsZero() {
			e.Time = l.now()
		}
		e.Time = e.Time.UTC().Truncate(time.Microsecond)
		e.Seq, e.PrevHash, e.Hash = 0, "", ""
		if err := e.Validate(); err != nil {
			return fmt.Errorf("append audit entries: %w", err)
		}
		batch[i] = e
	}
	if _, err := l.store.AppendBatch(ctx, batch); err != nil {
		return fmt.Errorf("append audit entries: %w", err)
	}
	return nil
}

// List returns one page of the entries that match f.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	p, err := l.store.List(ctx, f)
	if err != nil {
		return Page{}, fmt.Errorf("list audit entries: %w", err)
	}
	return p, nil
}

// Verify checks the whole chain. A broken chain is reported in the Report
// (see Report.Err); the error is for failing to read it.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	r, err := l.store.Verify(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	return r, nil
}
