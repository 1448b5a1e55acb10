package auth

import (
	"sync"
	"time"
)

// maxVerifiedCache bounds the verified-token cache.
const maxVerifiedCache = 10_000

// verifiedCache remembers tokens whose signature and claims were checked,
// keyed by the exact token string, until the token's exp. Agents present the
// same token for many calls, and an ECDSA verification costs far more than
// the rest of Verify; any other string, however close, misses and is checked
// in full. Revocation is not cached here: Verify consults the deny-list on
// every call, hit or miss; nor is the key: Verify drops a hit whose key was
// withdrawn (KeySet.RotateNow).
type verifiedCache struct {
	mu      sync.RWMutex
	max     int
	entries map[string]*accessClaims
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, entries: make(map[string]*accessClaims)}
}

// get returns the claims of raw if it was verified and has not expired.
func (c *verifiedCache) get(raw string, now time.Time) (*accessClaims, bool) {
	if c.max == 0 {
		return nil, false
	}
	c.mu.RLock()
	claims, ok := c.entries[raw]
	c.mu.RUnlock()
	if !ok || !now.Before(claims.ExpiresAt.Time) {
		return nil, false
	}
	return claims, true
}

// put remembers that raw verified to claims.
func (c *verifiedCache) put(raw string, claims *accessClaims, now time.Time) {
	if c.max == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, v := range c.entries {
			if !now.Before(v.ExpiresAt.Time) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[raw] = claims
}
