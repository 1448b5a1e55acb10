package httpapi

import (
	"context"
	"math"
	"sync"
	"time"
)

// ClientLimits bound what one OAuth client may ask of the server. They
// protect capacity; they are not a security boundary.
type ClientLimits struct {
	// Rate is the sustained requests per second; Burst how many may come at
	// once after a quiet spell.
	Rate  float64 `json:"rate"`
	Burst int     `json:"burst"`
	// Concurrency caps the client's requests in flight at once.
	Concurrency int `json:"concurrency"`
}

// DefaultClientLimits are generous enough that one busy agent (32 requests
// in flight, thousands per second) is never throttled, while a runaway one is.
var DefaultClientLimits = ClientLimits{Rate: 20000, Burst: 40000, Concurrency: 256}

// limitRefresh is how long a client's limits are used before they are read
// again, so that an admin's change takes effect without a restart.
const limitRefresh = 10 * time.Second

// limiter enforces ClientLimits per client: a token bucket for the rate and
// a counter for the concurrency.
type limiter struct {
	defaults ClientLimits
	source   LimitStore
	now      func() time.Time

	mu      sync.Mutex
	clients map[string]*clientState // bounded by the number of clients
}

// clientState is one client's bucket and in-flight count.
type clientState struct {
	mu       sync.Mutex
	lim      ClientLimits
	loadedAt time.Time
	tokens   float64
	last     time.Time
	inFlight int
}

// denial says why a request was refused and when to retry.
type denial struct {
	kind       string
	retryAfter time.Duration
}

func newLimiter(defaults ClientLimits, source LimitStore, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{defaults: defaults, source: source, now: now, clients: map[string]*clientState{}}
}

// acquire admits one request of client, or says why not. On success the
// caller must call release once the request is done.
func (l *limiter) acquire(ctx context.Context, client string) (release func(), d *denial) {
	st := l.state(client)
	now := l.now()
	l.refresh(ctx, client, st, now)

	st.mu.Lock()
	defer st.mu.Unlock()
	st.fill(now)
	if st.lim.Concurrency > 0 && st.inFlight >= st.lim.Concurrency {
		return nil, &denial{kind: KindConcurrencyLimit, retryAfter: time.Second}
	}
	if st.lim.Rate > 0 {
		if st.tokens < 1 {
			wait := time.Duration((1 - st.tokens) / st.lim.Rate * float64(time.Second))
			return nil, &denial{kind: KindRateLimited, retryAfter: wait}
		}
		st.tokens--
	}
	st.inFlight++
	return func() {
		st.mu.Lock()
		st.inFlight--
		st.mu.Unlock()
	}, nil
}

func (l *limiter) state(client string) *clientState {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.clients[client]
	if !ok {
		st = &clientState{}
		l.clients[client] = st
	}
	return st
}

// forget drops what the limiter knows of client, so that its limits are
// read again at its next request: an admin's change applies at once.
func (l *limiter) forget(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
}

// refresh reloads the client's limits when they are stale. A failed lookup
// keeps the limits already known (or the defaults): a store hiccup must not
// lock every client out.
func (l *limiter) refresh(ctx context.Context, client string, st *clientState, now time.Time) {
	st.mu.Lock()
	fresh := !st.loadedAt.IsZero() && now.Sub(st.loadedAt) < limitRefresh
	st.mu.Unlock()
	if fresh {
		return
	}
	lim, known := l.defaults, false
	if l.source != nil {
		if got, ok, err := l.source.ClientLimits(ctx, client); err == nil {
			if ok {
				lim = got
			}
			known = true
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if known || st.loadedAt.IsZero() {
		st.setLimits(lim, now)
	}
	st.loadedAt = now
}

// setLimits installs lim; a new client starts with a full bucket.
func (st *clientState) setLimits(lim ClientLimits, now time.Time) {
	if st.last.IsZero() {
		st.tokens, st.last = float64(lim.Burst), now
	}
	if lim.Rate > 0 && lim.Burst < 1 {
		lim.Burst = 1
	}
	st.lim = lim
	st.tokens = math.Min(st.tokens, float64(lim.Burst))
}

// fill adds the tokens earned since the last request.
func (st *clientState) fill(now time.Time) {
	if elapsed := now.Sub(st.last); elapsed > 0 {
		st.tokens = math.Min(float64(st.lim.Burst), st.tokens+elapsed.Seconds()*st.lim.Rate)
		st.last = now
	}
}

// retryAfterSeconds rounds d up to whole seconds, at least one, as the
// Retry-After header wants.
func retryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	return max(s, 1)
}
