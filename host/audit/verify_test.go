package audit

import (
	"errors"
	"strings"
	"testing"
)

// chain returns n linked entries.
func chain(n int) []Entry {
	out := make([]Entry, n)
	prev := ""
	for i := range out {
		e := sampleEntry()
		e.Seq, e.PrevHash = uint64(i+1), prev
		e.Hash = e.ComputeHash()
		out[i], prev = e, e.Hash
	}
	return out
}

func TestVerifier(t *testing.T) {
	type stored struct {
		key uint64
		e   Entry
		err error
	}
	intact := func() []stored {
		var out []stored
		for _, e := range chain(4) {
			out = append(out, stored{key: e.Seq, e: e})
		}
		return out
	}
	head := Head{Seq: 4, Hash: chain(4)[3].Hash}
	cases := []struct {
		name   string
		edit   func([]stored) []stored
		broken uint64
		reason string
	}{
		{"intact", func(s []stored) []stored { return s }, 0, ""},
		{"gap", func(s []stored) []stored { return append(s[:1], s[2:]...) }, 2, "entry 2 is missing"},
		{"undecodable", func(s []stored) []stored { s[2].err = errors.New("bad json"); return s }, 3, "cannot be decoded"},
		{"wrong seq", func(s []stored) []stored { s[1].e.Seq = 9; return s }, 2, "says it is 9"},
		{"wrong prev", func(s []stored) []stored { s[1].e.PrevHash = "x"; return s }, 2, "prev_hash"},
		{"wrong hash", func(s []stored) []stored { s[3].e.Subject = "x"; return s }, 4, "contents"},
		{"cut at end", func(s []stored) []stored { return s[:3] }, 4, "missing from the end"},
		{"last replaced", func(s []stored) []stored {
			s[3].e.Subject = "x"
			s[3].e.Hash = s[3].e.ComputeHash()
			return s
		}, 4, "recorded head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v Verifier
			for _, s := range c.edit(intact()) {
				v.Add(s.key, s.e, s.err)
			}
			r := v.Finish(head)
			if r.OK != (c.broken == 0) || r.BrokenSeq != c.broken || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("report = %+v, want broken at %d with %q", r, c.broken, c.reason)
			}
			if (r.Err() == nil) != r.OK || (r.Err() != nil && !errors.Is(r.Err(), ErrTampered)) {
				t.Errorf("Err() = %v with OK %v", r.Err(), r.OK)
			}
		})
	}
}

func TestVerifierStopsAtFirstBreak(t *testing.T) {
	c := chain(3)
	var v Verifier
	c[0].Hash = "x"
	for _, e := range c {
		v.Add(e.Seq, e, nil)
	}
	v.Corrupt("later damage")
	if r := v.Finish(Head{Seq: 3, Hash: c[2].Hash}); r.BrokenSeq != 1 || r.Entries != 0 {
		t.Errorf("report = %+v, want the first break at 1", r)
	}
}
