package throttle

import (
	"context"
	"sync"
	"time"
)

// Guard defaults: see NewGuard.
const (
	// DefaultGap is the spacing of attempts on an identity in slow mode.
	DefaultGap = time.Second
	// DefaultMaxWaiters bounds the attempts queued on one identity.
	DefaultMaxWaiters = 8
	// DefaultKnownFor is how long a source that signed in as an identity
	// skips that identity's slow mode.
	DefaultKnownFor = 7 * 24 * time.Hour
)

// Guard throttles sign-in attempts without ever locking an identity out.
//
//   - Per source (an address), hard: after Limit failures in Window the
//     source is refused until the window closes. This stops one machine
//     guessing.
//   - Per identity (a user name, a client ID), soft: after Limit failures in
//     Window from any sources, attempts on that identity are queued and
//     started at least Gap apart, at most MaxWaiters at a time. This bounds
//     the guessing rate of an attacker spread over many addresses, yet a
//     right credential from another address still gets in after a short
//     wait, and a source that signed in as that identity within KnownFor
//     skips the queue.
//
// This is the "throttling, not lockout" choice of OWASP's Authentication
// Cheat Sheet: a lockout keyed on the identity lets anyone who knows a user
// name or client ID deny its owner service.
type Guard struct {
	sources *Limiter
	idents  *Limiter

	gap        time.Duration
	maxWaiters int
	knownFor   time.Duration
	maxKeys    int
	now        func() time.Time
	// sleep waits d or until ctx ends; a test hook.
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	queue map[string]*slot     // identity -> its queue in slow mode
	known map[string]time.Time // identity+"\x00"+source -> known until
}

// slot is an identity's queue: the earliest start of the next attempt and
// how many wait for their turn.
type slot struct {
	next    time.Time
	waiters int
}

// NewGuard returns a guard allowing limit failures per window per source
// and per identity before throttling, remembering at most maxKeys keys of
// each kind; now is the clock (time.Now if nil).
func NewGuard(limit int, window time.Duration, maxKeys int, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	return &Guard{
		sources: New(limit, window, maxKeys, now), idents: New(limit, window, maxKeys, now),
		gap: DefaultGap, maxWaiters: DefaultMaxWaiters, knownFor: DefaultKnownFor, maxKeys: maxKeys,
		now: now, sleep: sleepCtx,
		queue: make(map[string]*slot), known: make(map[string]time.Time),
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Admit is called before a credential of identity ("" if none was
// presented) from source is checked. It waits for the identity's turn when
// the identity is in slow mode, and returns a positive retryAfter when the
// attempt must be refused instead: the source is throttled, or too many
// attempts already wait on the identity. err is ctx's error if it ended
// while waiting.
func (g *Guard) Admit(ctx context.Context, identity, source string) (retryAfter time.Duration, err error) {
	if wait := g.sources.Wait(source); wait > 0 {
		return wait, nil
	}
	if identity == "" || g.idents.Wait(identity) == 0 || g.isKnown(identity, source) {
		return 0, nil
	}
	start, retry := g.reserve(identity)
	if retry > 0 {
		return retry, nil
	}
	defer g.release(identity)
	return 0, g.sleep(ctx, time.Until(start))
}

// reserve takes the identity's next turn, or says how long to come back
// after when the queue is full.
func (g *Guard) reserve(identity string) (start time.Time, retryAfter time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now() // real time: the queue paces real attempts
	q, ok := g.queue[identity]
	if !ok {
		if len(g.queue) >= g.maxKeys {
			g.sweepQueues(now)
		}
		if len(g.queue) >= g.maxKeys {
			return time.Time{}, g.gap
		}
		q = &slot{}
		g.queue[identity] = q
	}
	if q.waiters >= g.maxWaiters {
		return time.Time{}, time.Duration(q.waiters) * g.gap
	}
	start = q.next
	if start.Before(now) {
		start = now
	}
	q.next = start.Add(g.gap)
	q.waiters++
	return start, 0
}

func (g *Guard) release(identity string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q, ok := g.queue[identity]; ok {
		q.waiters--
	}
}

// sweepQueues drops idle queues; the caller holds mu.
func (g *Guard) sweepQueues(now time.Time) {
	for k, q := range g.queue {
		if q.waiters == 0 && q.next.Before(now) {
			delete(g.queue, k)
		}
	}
}

// Failed records a failed attempt by source; identity, when not "", is
// counted too. Callers pass "" for identities that do not exist, so made-up
// ones cannot fill the table.
func (g *Guard) Failed(identity, source string) {
	g.sources.Fail(source)
	if identity != "" {
		g.idents.Fail(identity)
	}
}

// Succeeded records that source signed in as identity: it skips the
// identity's slow mode from now on, for KnownFor.
func (g *Guard) Succeeded(identity, source string) {
	now := g.now()
	key := identity + "\x00" + source
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.known[key]; !ok && len(g.known) >= g.maxKeys {
		for k, until := range g.known {
			if !now.Before(until) {
				delete(g.known, k)
			}
		}
		if len(g.known) >= g.maxKeys {
			return
		}
	}
	g.known[key] = now.Add(g.knownFor)
}

func (g *Guard) isKnown(identity, source string) bool {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.known[identity+"\x00"+source]
	return ok && now.Before(until)
}
