package auth

import (
	"testing"
	"time"
)

func TestDenyCache(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := now.Add(time.Minute)
	tests := []struct {
		name  string
		steps func(d *denyCache) bool
		want  bool
	}{
		{"unknown jti", func(d *denyCache) bool { return d.allowed(0, "a", now) }, false},
		{"remembered at the same epoch", func(d *denyCache) bool {
			d.remember(3, "a", exp, now)
			return d.allowed(3, "a", now)
		}, true},
		{"a new epoch forgets everything", func(d *denyCache) bool {
			d.remember(3, "a", exp, now)
			return d.allowed(4, "a", now)
		}, false},
		{"an answer read at an older epoch is not cached", func(d *denyCache) bool {
			d.allowed(5, "x", now)
			d.remember(4, "a", exp, now)
			return d.allowed(5, "a", now)
		}, false},
		{"an entry dies with its token", func(d *denyCache) bool {
			d.remember(1, "a", exp, now)
			return d.allowed(1, "a", exp)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.steps(newDenyCache()); got != tt.want {
				t.Fatalf("allowed = %v, want %v", got, tt.want)
			}
		})
	}
}
