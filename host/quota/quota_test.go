package quota_test

import (
	"errors"
	"testing"

	"github.com/secure-agent/saa/host/quota"
)

func TestParse(t *testing.T) {
	good := map[string]quota.Limit{
		"10000/256MiB": {Count: 10000, Bytes: 256 << 20},
		"0/0":          {Count: -1, Bytes: -1},
		" 5 / 1024 ":   {Count: 5, Bytes: 1024},
		"1/2GiB":       {Count: 1, Bytes: 2 << 30},
		"3/4KiB":       {Count: 3, Bytes: 4 << 10},
	}
	for in, want := range good {
		if got, err := quota.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10", "a/1", "-1/1", "1/-1", "1/1TB", "1/99999999999GiB"} {
		if _, err := quota.Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestCheck(t *testing.T) {
	l := quota.Limit{Count: 2, Bytes: 100}
	before := quota.Refusals()[quota.StoreRuns]
	cases := []struct {
		name  string
		use   quota.Usage
		count int
		size  int64
		over  bool
	}{
		{"room", quota.Usage{Count: 1, Bytes: 50}, 1, 50, false},
		{"count", quota.Usage{Count: 2, Bytes: 0}, 1, 0, true},
		{"bytes", quota.Usage{Count: 0, Bytes: 60}, 1, 41, true},
		{"growth of a record", quota.Usage{Count: 2, Bytes: 60}, 0, 40, false},
	}
	refusals := uint64(0)
	for _, tc := range cases {
		err := l.Check(quota.StoreRuns, tc.use, tc.count, tc.size)
		if (err != nil) != tc.over {
			t.Errorf("%s: Check = %v, want over %v", tc.name, err, tc.over)
		}
		if err != nil {
			refusals++
			if !errors.Is(err, quota.ErrExceeded) {
				t.Errorf("%s: %v does not match ErrExceeded", tc.name, err)
			}
		}
	}
	if got := quota.Refusals()[quota.StoreRuns] - before; got != refusals {
		t.Errorf("counted %d refusals, want %d", got, refusals)
	}
	if (quota.Limit{}).Check(quota.StoreRuns, quota.Usage{Count: 1 << 30, Bytes: 1 << 60}, 1, 1) != nil {
		t.Error("a zero limit bounded something")
	}
}

// FuzzParse: Parse never panics, and what it accepts prints and bounds
// consistently.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"10000/256MiB", "0/0", "1/2GiB", "a/b", "/", "9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := quota.Parse(s)
		if err != nil {
			return
		}
		if l.Count == 0 || l.Bytes == 0 || l.Count < -1 || l.Bytes < -1 {
			t.Fatalf("Parse(%q) = %+v: zero or below -1", s, l)
		}
		_ = l.String()
	})
}
