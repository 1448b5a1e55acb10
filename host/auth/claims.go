package auth

import (
	"strings"

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

	// kid is the header's key id, kept so a cached verification is dropped
	// once its key is withdrawn. Not a claim.
	kid string
}

func (c *accessClaims) scopes() []string { return strings.Fields(c.Scope) }
