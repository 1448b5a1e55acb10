// Package quota bounds what one client may keep stored: idempotency
// records, asynchronous runs and pending plugin bundles, each by a number
// of records and a number of bytes. The stores count; this package holds
// the limits, the check, the error every surface maps to one problem
// (429 quota-exceeded) and the refusal counters behind the metrics.
//
// A quota protects the server's disk from one client; it is not an access
// control. This package must never import anything but the standard
// library.
package quota

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// The stores a quota applies to; they label errors and metrics.
const (
	StoreIdempotency = "idempotency"
	StoreRuns        = "runs"
	StoreBundles     = "bundles"
)

// ErrExceeded is matched by every *Error.
var ErrExceeded = errors.New("storage quota exceeded")

// Limit bounds one client's records in one store. A zero field is no bound.
type Limit struct {
	Count int
	Bytes int64
}

// Usage is what a client keeps in one store.
type Usage struct {
	Count int
	Bytes int64
}

// Error refuses a write that would take a client over its quota. Its
// message is safe to show that client.
type Error struct {
	Store string
	Limit Limit
	Usage Usage
}

// Error says which bound was reached.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: the client keeps %d records (%d bytes) of %s; the quota is %s", ErrExceeded, e.Usage.Count, e.Usage.Bytes, e.Store, e.Limit)
}

// Is makes errors.Is(err, ErrExceeded) true.
func (e *Error) Is(target error) bool { return target == ErrExceeded }

// String renders l as Parse reads it.
func (l Limit) String() string {
	count, size := "unlimited", "unlimited"
	if l.Count > 0 {
		count = strconv.Itoa(l.Count)
	}
	if l.Bytes > 0 {
		size = strconv.FormatInt(l.Bytes, 10)
	}
	return count + " records / " + size + " bytes"
}

// Check returns an *Error, and counts a refusal of store, when adding
// count records of size bytes to u would exceed l.
func (l Limit) Check(store string, u Usage, count int, size int64) error {
	overCount := l.Count > 0 && u.Count+count > l.Count
	overBytes := l.Bytes > 0 && u.Bytes+size > l.Bytes
	if !overCount && !overBytes {
		return nil
	}
	refused(store)
	return &Error{Store: store, Limit: l, Usage: u}
}

var (
	refusalsMu sync.Mutex
	refusals   = map[string]uint64{}
)

func refused(store string) {
	refusalsMu.Lock()
	refusals[store]++
	refusalsMu.Unlock()
}

// Refusals returns how many writes each store refused since the process
// started (for the saa_quota_exceeded_total metric).
func Refusals() map[string]uint64 {
	refusalsMu.Lock()
	defer refusalsMu.Unlock()
	out := make(map[string]uint64, len(refusals))
	for k, v := range refusals {
		out[k] = v
	}
	return out
}

// Parse reads "<count>/<size>", such as "10000/256MiB": a number of records
// and a size in bytes with an optional KiB, MiB or GiB suffix. A 0 means no
// bound and is returned as -1, so that a limit an operator set is never
// mistaken for an unset one (which users of Limit fill with defaults).
func Parse(s string) (Limit, error) {
	count, size, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Limit{}, fmt.Errorf("quota %q: want <count>/<size>, such as 10000/256MiB", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 0 {
		return Limit{}, fmt.Errorf("quota %q: the count must be a whole number", s)
	}
	b, err := parseSize(strings.TrimSpace(size))
	if err != nil {
		return Limit{}, fmt.Errorf("quota %q: %w", s, err)
	}
	return Limit{Count: orNone(n), Bytes: int64(orNone(int(b)))}, nil
}

func orNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, errors.New("the size must be a whole number of bytes, KiB, MiB or GiB")
	}
	return n * mult, nil
}
