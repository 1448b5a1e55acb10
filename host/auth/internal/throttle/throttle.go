// Package throttle counts failed sign-ins per key (a client ID, a user name,
// a source address) and says how long a key must wait once it failed too
// often. It is a brake on online guessing, not an authentication mechanism:
// it must never be the reason a request is let through.
package throttle

import (
	"sync"
	"time"
)

// Limiter allows Limit failures per key in a fixed window that opens at the
// key's first failure; once reached, the key waits until the window closes.
// Memory is bounded: past MaxKeys keys, expired ones are dropped, and while
// still full new keys are not tracked (existing ones still are).
type Limiter struct {
	limit   int
	window  time.Duration
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	entries map[string]entry
}

type entry struct {
	start time.Time
	count int
}

// New returns a limiter; now is the clock (time.Now if nil).
func New(limit int, window time.Duration, maxKeys int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, window: window, maxKeys: maxKeys, now: now, entries: make(map[string]entry)}
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok || !now.Before(e.start.Add(l.window)) {
		if !ok && !l.room(now) {
			return
		}
		e = entry{start: now}
	}
	e.count++
	l.entries[key] = e
}

// Wait returns how long key must wait before trying again; zero if it may
// try now.
func (l *Limiter) Wait(key string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok {
		return 0
	}
	end := e.start.Add(l.window)
	if !now.Before(end) {
		delete(l.entries, key)
		return 0
	}
	if e.count < l.limit {
		return 0
	}
	return end.Sub(now)
}

// room makes space for a new key if it can; the caller holds mu.
func (l *Limiter) room(now time.Time) bool {
	if len(l.entries) < l.maxKeys {
		return true
	}
	for k, e := range l.entries {
		if !now.Before(e.start.Add(l.window)) {
			delete(l.entries, k)
		}
	}
	return len(l.entries) < l.maxKeys
}
