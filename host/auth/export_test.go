package auth

import "time"

// NewServerWithClock is New with a test clock.
func NewServerWithClock(cfg Config, now func() time.Time) (*Server, error) {
	return newServer(cfg, now)
}

// DisableTokenCache makes v check every token's signature and claims anew.
func DisableTokenCache(v *Verifier) { v.verified = newVerifiedCache(0) }

// DisableDenyCache makes v read the deny-list from the store on every call.
func DisableDenyCache(v *Verifier) { v.deny = nil }
