package audit

import (
	"testing"
	"time"
)

func TestFilterMatch(t *testing.T) {
	e := sampleEntry()
	cases := []struct {
		name string
		f    Filter
		want bool
	}{
		{"empty filter", Filter{}, true},
		{"same client", Filter{Client: "client-a"}, true},
		{"other client", Filter{Client: "client-b"}, false},
		{"other kind", Filter{Kind: KindAdmin}, false},
		{"other subject", Filter{Subject: "u"}, false},
		{"other plugin", Filter{Plugin: "x"}, false},
		{"other action", Filter{Action: "x"}, false},
		{"other outcome", Filter{Outcome: "busy"}, false},
		{"other run", Filter{RunID: "x"}, false},
		{"since equal", Filter{Since: e.Time}, true},
		{"since after", Filter{Since: e.Time.Add(time.Nanosecond)}, false},
		{"until equal", Filter{Until: e.Time}, false},
		{"until after", Filter{Until: e.Time.Add(time.Nanosecond)}, true},
		{"seq bounds are not matched here", Filter{AfterSeq: 100}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Match(e); got != c.want {
				t.Errorf("Match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestFilterPageSize(t *testing.T) {
	cases := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero", 0, DefaultLimit},
		{"negative", -5, DefaultLimit},
		{"within", 7, 7},
		{"max", MaxLimit, MaxLimit},
		{"above max", MaxLimit + 1, MaxLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := (Filter{Limit: c.limit}).PageSize(); got != c.want {
				t.Errorf("PageSize = %d, want %d", got, c.want)
			}
		})
	}
}
