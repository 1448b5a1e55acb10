package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tok is a token's claims for the deny cache: jti, client, generation, exp.
func tok(jti, client string, gen uint64, exp time.Time) *accessClaims {
	c := &accessClaims{ClientID: client, Generation: &gen}
	c.ID, c.ExpiresAt = jti, jwt.NewNumericDate(exp)
	return c
}

func TestDenyCache(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := now.Add(time.Minute)
	a := tok("a", "c", 0, exp)
	tests := []struct {
		name  string
		steps func(d *denyCache) bool
		want  bool
	}{
		{"unknown jti", func(d *denyCache) bool { return d.allowed(0, a, now) }, false},
		{"remembered at the same epoch", func(d *denyCache) bool {
			d.remember(3, a, now)
			return d.allowed(3, a, now)
		}, true},
		{"a new epoch forgets everything", func(d *denyCache) bool {
			d.remember(3, a, now)
			return d.allowed(4, a, now)
		}, false},
		{"an answer read at an older epoch is not cached", func(d *denyCache) bool {
			d.allowed(5, tok("x", "c", 0, exp), now)
			d.remember(4, a, now)
			return d.allowed(5, a, now)
		}, false},
		{"another client under the same jti misses", func(d *denyCache) bool {
			d.remember(1, a, now)
			return d.allowed(1, tok("a", "other", 0, exp), now)
		}, false},
		{"another generation under the same jti misses", func(d *denyCache) bool {
			d.remember(1, a, now)
			return d.allowed(1, tok("a", "c", 1, exp), now)
		}, false},
		{"an entry dies with its token", func(d *denyCache) bool {
			d.remember(1, a, now)
			return d.allowed(1, a, exp)
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
