package auth

import (
	"sync"
	"time"
)

// maxDenyCache bounds the deny cache; past it, expired entries are dropped,
// and if that is not enough the cache starts over.
const maxDenyCache = 100_000

// denyCache remembers token IDs known not to be revoked as of a revocation
// epoch. Any change of epoch empties it, so it can never hide a revocation;
// an entry lives no longer than its token.
type denyCache struct {
	mu    sync.Mutex
	epoch uint64
	ok    map[string]time.Time // jti -> token expiry
}

func newDenyCache() *denyCache { return &denyCache{ok: make(map[string]time.Time)} }

// advance moves the cache to epoch, emptying it; it ignores older epochs.
// The caller holds mu.
func (d *denyCache) advance(epoch uint64) bool {
	if epoch < d.epoch {
		return false
	}
	if epoch > d.epoch {
		d.epoch = epoch
		clear(d.ok)
	}
	return true
}

// allowed reports whether jti is known not revoked at epoch. A nil cache
// knows nothing.
func (d *denyCache) allowed(epoch uint64, jti string, now time.Time) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.advance(epoch) {
		return false
	}
	exp, ok := d.ok[jti]
	if ok && !now.Before(exp) {
		delete(d.ok, jti)
		return false
	}
	return ok
}

// remember records that jti (expiring at exp) was not revoked at epoch.
func (d *denyCache) remember(epoch uint64, jti string, exp, now time.Time) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.advance(epoch) {
		return
	}
	if len(d.ok) >= maxDenyCache {
		for k, e := range d.ok {
			if !now.Before(e) {
				delete(d.ok, k)
			}
		}
		if len(d.ok) >= maxDenyCache {
			clear(d.ok)
		}
	}
	d.ok[jti] = exp
}
