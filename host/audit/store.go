package audit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInvalidEntry means an entry lacks what every entry needs (see
// Entry.Validate); nothing was appended.
var ErrInvalidEntry = errors.New("invalid audit entry")

// ErrTampered means Verify found the chain broken: an entry was edited,
// deleted, reordered or cut off the end. Report.Err wraps it.
var ErrTampered = errors.New("audit chain broken")

// Paging bounds of List.
const (
	// DefaultLimit is the page size when Filter.Limit is zero.
	DefaultLimit = 100
	// MaxLimit caps Filter.Limit.
	MaxLimit = 1000
	// ScanBudget is how many entries a backend may examine for one page
	// before it returns what it found so far with a cursor: a filter that
	// matches little must not make one request read the whole log.
	ScanBudget = 10_000
)

// Store persists the chain. Implementations must be safe for concurrent use
// and run audittest.TestStore.
type Store interface {
	// Append stores e as the next entry, assigning Seq, PrevHash and Hash
	// (e.ComputeHash()) atomically with respect to other appends, and
	// returns it as stored. It returns an error wrapping ErrInvalidEntry if
	// e.Validate fails.
	Append(ctx context.Context, e Entry) (Entry, error)
	// AppendBatch appends es in order, atomically: all or none.
	AppendBatch(ctx context.Context, es []Entry) ([]Entry, error)
	// List returns the entries that match f, in Seq order (descending if
	// f.Desc), at most f.PageSize() of them. Page.Next is the cursor of the
	// next page (zero when there is none); a page may hold fewer entries
	// than the limit, even none, when the backend stopped at ScanBudget.
	List(ctx context.Context, f Filter) (Page, error)
	// Verify walks the whole chain with a Verifier and returns its report.
	// A broken chain is a report, not an error; the error is for failing
	// to read.
	Verify(ctx context.Context) (Report, error)
}

// Filter selects entries. Zero fields match everything.
type Filter struct {
	Kind, Client, Subject, Plugin, Action, Outcome, RunID string
	// Since (inclusive) and Until (exclusive) bound the entry's Time.
	Since, Until time.Time
	// AfterSeq and BeforeSeq bound Seq, both exclusive. Pass Page.Next as
	// AfterSeq for the next page in ascending order, as BeforeSeq in
	// descending order.
	AfterSeq, BeforeSeq uint64
	// Desc lists newest first.
	Desc bool
	// Limit is the page size: zero means DefaultLimit, above MaxLimit means
	// MaxLimit.
	Limit int
}

// Match reports whether e passes every field filter and time bound (the
// Seq bounds are the backend's to apply).
func (f Filter) Match(e Entry) bool {
	eq := func(want, got string) bool { return want == "" || want == got }
	return eq(f.Kind, e.Kind) && eq(f.Client, e.ClientID) && eq(f.Subject, e.Subject) &&
		eq(f.Plugin, e.Plugin) && eq(f.Action, e.Action) && eq(f.Outcome, e.Outcome) &&
		eq(f.RunID, e.RunID) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Until.IsZero() || e.Time.Before(f.Until))
}

// PageSize returns the effective limit.
func (f Filter) PageSize() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Page is one page of List.
type Page struct {
	Entries []Entry `json:"entries"`
	// Next is the cursor of the next page; zero when this is the last.
	Next uint64 `json:"next,omitempty"`
}

// Report is the result of Verify.
type Report struct {
	// OK is true when every entry verified and the last one is the head
	// the store recorded.
	OK bool `json:"ok"`
	// Entries is how many entries verified, from Seq 1.
	Entries uint64 `json:"entries"`
	// LastSeq and LastHash identify the last entry that verified: on an
	// intact chain, the head. Record them elsewhere to anchor the chain.
	LastSeq  uint64 `json:"last_seq"`
	LastHash string `json:"last_hash,omitempty"`
	// BrokenSeq is the first Seq at which the chain breaks, and Reason says
	// how; both empty when OK.
	BrokenSeq uint64 `json:"broken_seq,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Err returns nil for an intact chain, else an error wrapping ErrTampered
// that says where and how it breaks.
func (r Report) Err() error {
	if r.OK {
		return nil
	}
	return fmt.Errorf("%w at seq %d: %s", ErrTampered, r.BrokenSeq, r.Reason)
}
