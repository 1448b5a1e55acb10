package audithttp

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/secure-agent/saa/host/audit"
)

// ErrBadQuery means a query parameter of GET /audit is unknown, repeated or
// malformed; the error says which.
var ErrBadQuery = errors.New("bad query")

// maxParam bounds a text filter: no real name is longer.
const maxParam = 256

// textParams maps the query parameters that match a field exactly to that
// field of the filter. Their names are the entry's JSON names.
var textParams = map[string]func(*audit.Filter) *string{
	"kind":      func(f *audit.Filter) *string { return &f.Kind },
	"client_id": func(f *audit.Filter) *string { return &f.Client },
	"subject":   func(f *audit.Filter) *string { return &f.Subject },
	"plugin":    func(f *audit.Filter) *string { return &f.Plugin },
	"action":    func(f *audit.Filter) *string { return &f.Action },
	"outcome":   func(f *audit.Filter) *string { return &f.Outcome },
	"run_id":    func(f *audit.Filter) *string { return &f.RunID },
}

// ParseFilter reads GET /audit's query: the text filters above, since and
// until (RFC 3339), order (asc, the default, or desc), limit (1 to
// audit.MaxLimit) and cursor (a page's next_cursor, to pass with the same
// other parameters). Unknown parameters are refused, so a misspelt filter
// never silently matches everything.
func ParseFilter(q url.Values) (audit.Filter, error) {
	var f audit.Filter
	var cursor uint64
	for name, vals := range q {
		if len(vals) != 1 {
			return audit.Filter{}, fmt.Errorf("%w: %s given %d times", ErrBadQuery, name, len(vals))
		}
		if err := setParam(&f, &cursor, name, vals[0]); err != nil {
			return audit.Filter{}, fmt.Errorf("%w: %s: %v", ErrBadQuery, name, err)
		}
	}
	if f.Desc {
		f.BeforeSeq = cursor
	} else {
		f.AfterSeq = cursor
	}
	return f, nil
}

func setParam(f *audit.Filter, cursor *uint64, name, v string) error {
	if field, ok := textParams[name]; ok {
		if len(v) > maxParam {
			return fmt.Errorf("longer than %d bytes", maxParam)
		}
		*field(f) = v
		return nil
	}
	var err error
	switch name {
	case "since":
		f.Since, err = time.Parse(time.RFC3339Nano, v)
	case "until":
		f.Until, err = time.Parse(time.RFC3339Nano, v)
	case "cursor":
		*cursor, err = strconv.ParseUint(v, 10, 64)
	case "limit":
		f.Limit, err = parseLimit(v)
		return err
	case "order":
		f.Desc, err = parseOrder(v)
		return err
	default:
		return errors.New("unknown parameter")
	}
	if err != nil {
		return errors.New("malformed value")
	}
	return nil
}

func parseLimit(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > audit.MaxLimit {
		return 0, fmt.Errorf("not an integer from 1 to %d", audit.MaxLimit)
	}
	return n, nil
}

func parseOrder(v string) (bool, error) {
	switch v {
	case "asc":
		return false, nil
	case "desc":
		return true, nil
	}
	return false, errors.New("not asc or desc")
}
