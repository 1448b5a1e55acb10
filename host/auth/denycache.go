package auth

import (
	"sync"
	"time"
)

// maxDenyCache bounds the deny cache; past it, expired entries are dropped,
// and if that is not enough the cache starts over.
const maxDenyCache = 100_000

// denyCache remembers tokens known not to be revoked as of a revocation
// epoch: not on the deny-list, and their client active at their generation.
// Any change of epoch empties it, so it can never hide a revocation or a
// client change; an entry lives no longer than its token. An entry answers
// only for the same jti, client and generation it was checked with.
type denyCache struct {
	mu    sync.Mutex
	epoch uint64
	ok    map[string]denyEntry // by jti
}

type denyEntry struct {
	exp      time.Time
	clientID string
	gen      uint64
}

func entryOf(c *accessClaims) denyEntry {
	return denyEntry{exp: c.ExpiresAt.Time, clientID: c.ClientID, gen: *c.Generation}
}

func newDenyCache() *denyCache { return &denyCache{ok: make(map[string]denyEntry)} }

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

// allowed reports whether the token c is known not revoked at epoch. A nil
// cache knows nothing.
func (d *denyCache) allowed(epoch uint64, c *accessClaims, now time.Time) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.advance(epoch) {
		return false
	}
	e, ok := d.ok[c.ID]
	if ok && !now.Before(e.exp) {
		delete(d.ok, c.ID)
		return false
	}
	return ok && e == entryOf(c)
}

// remember records that the token c was not revoked at epoch.
func (d *denyCache) remember(epoch uint64, c *accessClaims, now time.Time) {
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
			if !now.Before(e.exp) {
				delete(d.ok, k)
			}
		}
		if len(d.ok) >= maxDenyCache {
			clear(d.ok)
		}
	}
	d.ok[c.ID] = entryOf(c)
}
