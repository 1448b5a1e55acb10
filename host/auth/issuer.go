package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// tokenIssuer signs access tokens.
type tokenIssuer struct {
	keys        *KeySet
	revocations authstore.Revocations
	// issuer is iss, and aud unless the client named another resource.
	issuer   string
	lifetime time.Duration
	now      func() time.Time
}

// issued is a freshly signed access token.
type issued struct {
	token string
	jti   string
	exp   time.Time
}

// issue signs a token for clientID acting as subject with scopes, for the
// audience given (the issuer itself if none).
func (t *tokenIssuer) issue(ctx context.Context, clientID, subject string, scopes, audience []string) (issued, error) {
	if len(audience) == 0 {
		audience = []string{t.issuer}
	}
	jti, err := newJTI()
	if err != nil {
		return issued{}, err
	}
	iat, err := t.issuedAt(ctx, clientID)
	if err != nil {
		return issued{}, err
	}
	exp := iat.Add(t.lifetime)
	claims := &accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings(audience),
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(iat),
			ID:        jti,
		},
		ClientID: clientID,
		Scope:    strings.Join(scopes, " "),
	}
	key := t.keys.load().current
	tok := jwt.NewWithClaims(key.method, claims)
	tok.Header["typ"] = TokenType
	tok.Header["kid"] = key.kid
	signed, err := tok.SignedString(key.private)
	if err != nil {
		return issued{}, fmt.Errorf("sign access token: %w", err)
	}
	return issued{token: signed, jti: jti, exp: exp}, nil
}

// issuedAt returns the token's iat: now in whole seconds, or the next second
// when the client's tokens were voided earlier in this second. A cut-off
// voids every token with iat at or before it, and iat has one-second
// resolution, so without this a client whose secret was just rotated would
// receive a token that is already void. The result is at most one second
// ahead of the clock, well inside the verifier's leeway.
func (t *tokenIssuer) issuedAt(ctx context.Context, clientID string) (time.Time, error) {
	iat := t.now().Truncate(time.Second)
	for range 2 {
		denied, _, err := t.revocations.TokenDenied(ctx, "", clientID, iat)
		if err != nil {
			return time.Time{}, fmt.Errorf("issue access token: %w", err)
		}
		if !denied {
			return iat, nil
		}
		iat = iat.Add(time.Second)
	}
	return time.Time{}, fmt.Errorf("issue access token: client %s is voided into the future", clientID)
}

// newJTI returns a random 128-bit token ID.
func newJTI() (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}
