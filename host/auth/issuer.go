package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenIssuer signs access tokens.
type tokenIssuer struct {
	keys *KeySet
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
// audience given (the issuer itself if none). gen is the generation of the
// client record that was authenticated (and whose scopes were checked): any
// later change of the client voids the token, at whatever sub-second
// instant it happens.
func (t *tokenIssuer) issue(clientID, subject string, gen uint64, scopes, audience []string) (issued, error) {
	return t.issueFor(tokenSpec{clientID: clientID, subject: subject, clientGen: gen, scopes: scopes, audience: audience})
}

// tokenSpec is what an access token is issued for.
type tokenSpec struct {
	clientID, subject string
	// clientGen is the client record's generation; grantGen, for a token
	// acting for a user, the generation of the user's grant (claim "ggen").
	clientGen uint64
	grantGen  *uint64
	scopes    []string
	audience  []string
}

// issueFor signs a token as spec says.
func (t *tokenIssuer) issueFor(spec tokenSpec) (issued, error) {
	clientID, subject, gen, scopes, audience := spec.clientID, spec.subject, spec.clientGen, spec.scopes, spec.audience
	if len(audience) == 0 {
		audience = []string{t.issuer}
	}
	jti, err := newJTI()
	if err != nil {
		return issued{}, err
	}
	// Whole seconds, as iat and exp are serialised; nothing is compared
	// with iat at sub-second precision.
	iat := t.now().Truncate(time.Second)
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
		ClientID:   clientID,
		Scope:      strings.Join(scopes, " "),
		Generation: &gen,
		GrantGen:   spec.grantGen,
	}
	return t.sign(claims)
}

// sign signs claims with the current key.
func (t *tokenIssuer) sign(claims *accessClaims) (issued, error) {
	key := t.keys.load().current
	tok := jwt.NewWithClaims(key.method, claims)
	tok.Header["typ"] = TokenType
	tok.Header["kid"] = key.kid
	signed, err := tok.SignedString(key.private)
	if err != nil {
		return issued{}, fmt.Errorf("sign access token: %w", err)
	}
	return issued{token: signed, jti: claims.ID, exp: claims.ExpiresAt.Time}, nil
}

// newJTI returns a random 128-bit token ID.
func newJTI() (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}
