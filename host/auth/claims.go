package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenType is the JOSE typ header of SAA access tokens (RFC 9068 section 2.1).
const TokenType = "at+jwt"

// accessClaims are the claims of an access token (RFC 9068 section 2.2).
type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	// Generation is the client's authstore.Client.Generation when the token
	// was issued; the token is void once the client's differs. Required: a
	// pointer, so that generation 0 is told apart from a missing claim.
	Generation *uint64 `json:"gen,omitempty"`
	// GrantGen is, for a token acting for a user (sub) through the
	// authorization code flow, the generation of the user's grant to the
	// client; the token is void once the grant is revoked.
	GrantGen *uint64 `json:"ggen,omitempty"`
	// Act is the current actor of a token made by token exchange, nesting
	// the actors before it (RFC 8693 section 4.1); nil otherwise.
	Act *actClaim `json:"act,omitempty"`
	// Chain lists the tokens this one was exchanged from, the original
	// first, the parent last, so that the verifier can refuse this token
	// once any of them is revoked or its client changes.
	Chain []chainLink `json:"chain,omitempty"`

	// kid is the header's key id, kept so a cached verification is dropped
	// once its key is withdrawn. Not a claim.
	kid string
	// ancestors are Chain as deny-list entries, built once when the token
	// is first verified (see links). Not a claim.
	ancestors []*accessClaims
}

func (c *accessClaims) scopes() []string { return strings.Fields(c.Scope) }

// actClaim is RFC 8693's act claim: the actor's identity (a client ID) and
// the actor before it.
type actClaim struct {
	Subject string    `json:"sub"`
	Act     *actClaim `json:"act,omitempty"`
}

// chainLink is a token a delegated token descends from: what the verifier
// needs to check it as if it were presented itself.
type chainLink struct {
	ID         string  `json:"jti"`
	ClientID   string  `json:"client_id"`
	Generation *uint64 `json:"gen"`
	Expiry     int64   `json:"exp"`
	// GrantGen is the ancestor's ggen: revoking the user's grant to the
	// ancestor's client voids its descendants too.
	GrantGen *uint64 `json:"ggen,omitempty"`
}

// maxChain bounds the links a token may carry, whatever the configured
// depth, so that checking one stays cheap.
const maxChain = 16

// actors returns the actor chain, first to last; nil for a token that was
// not delegated.
func (c *accessClaims) actors() []string {
	var out []string
	for a := c.Act; a != nil && len(out) <= maxChain; a = a.Act {
		out = append(out, a.Subject)
	}
	slices.Reverse(out)
	return out
}

// checkDelegation requires act and chain to agree: a delegated token names
// each ancestor token in chain and, in act, each ancestor's client followed
// by its own; an ancestor never expires before its descendant.
func (c *accessClaims) checkDelegation() error {
	if c.Act == nil && len(c.Chain) == 0 {
		return nil
	}
	actors := c.actors()
	if len(c.Chain) == 0 || len(c.Chain) > maxChain || len(actors) != len(c.Chain)+1 {
		return fmt.Errorf("act names %d actors for %d ancestors", len(actors), len(c.Chain))
	}
	if actors[len(actors)-1] != c.ClientID {
		return errors.New("act is not the token's client")
	}
	for i, l := range c.Chain {
		switch {
		case l.ID == "" || l.ClientID == "" || l.Generation == nil:
			return fmt.Errorf("chain link %d is incomplete", i)
		case l.ClientID != actors[i]:
			return fmt.Errorf("chain link %d is not act's actor", i)
		case l.Expiry < c.ExpiresAt.Unix():
			return fmt.Errorf("chain link %d expires before the token", i)
		}
	}
	return nil
}

// linkAncestors builds c.ancestors from c.Chain: each ancestor as a
// deny-list entry carrying what the verifier compares with the store. It
// runs once, before the claims are cached and shared.
func (c *accessClaims) linkAncestors() {
	c.ancestors = nil
	for _, l := range c.Chain {
		a := &accessClaims{ClientID: l.ClientID, Generation: l.Generation, GrantGen: l.GrantGen}
		a.Subject = c.Subject
		a.ID, a.ExpiresAt = l.ID, jwt.NewNumericDate(time.Unix(l.Expiry, 0))
		c.ancestors = append(c.ancestors, a)
	}
}
