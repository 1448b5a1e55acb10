package runs

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy says how often and how long a callback is retried.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts, the first included; default 6.
	MaxAttempts int
	// Base is the ceiling of the first wait; each next ceiling doubles;
	// default 30s.
	Base time.Duration
	// Max caps every ceiling; default 1h.
	Max time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.Base <= 0 {
		p.Base = 30 * time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Hour
	}
	return p
}

// Delay returns the wait after the attempts-th failed attempt: "full
// jitter", uniformly random from zero to min(Max, Base * 2^(attempts-1)), so
// receivers recovering from an outage are not hit by every sender at once.
func (p RetryPolicy) Delay(attempts int) time.Duration {
	return rand.N(p.ceiling(attempts) + 1)
}

func (p RetryPolicy) ceiling(attempts int) time.Duration {
	c := p.Base
	for i := 1; i < attempts && c < p.Max; i++ {
		c *= 2
	}
	return min(c, p.Max)
}
