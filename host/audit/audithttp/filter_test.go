package audithttp

import (
	"errors"
	"net/url"
	"testing"

	"github.com/secure-agent/saa/host/audit"
)

func TestParseFilterCursorDirection(t *testing.T) {
	cases := []struct {
		name          string
		query         string
		after, before uint64
	}{
		{"ascending", "cursor=9", 9, 0},
		{"descending", "cursor=9&order=desc", 0, 9},
		{"no cursor", "order=desc", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			f, err := ParseFilter(q)
			if err != nil || f.AfterSeq != c.after || f.BeforeSeq != c.before {
				t.Errorf("filter = %+v, %v", f, err)
			}
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "client_id=a&limit=5", "order=desc&cursor=18446744073709551615",
		"since=2030-01-02T03:04:05Z", "limit=%00", "x=1", "kind=admin&kind=invoke"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := ParseFilter(q)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("error %v does not wrap ErrBadQuery", err)
			}
			return
		}
		if n := flt.PageSize(); n < 1 || n > audit.MaxLimit {
			t.Fatalf("page size %d out of range", n)
		}
		if flt.AfterSeq != 0 && flt.BeforeSeq != 0 {
			t.Fatalf("both cursors set: %+v", flt)
		}
	})
}
