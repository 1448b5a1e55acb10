package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ory/fosite"
)

// Prefixes of authorization codes and refresh tokens, so that secret
// scanners can find leaked ones.
const (
	codePrefix    = "saa_ac_"
	refreshPrefix = "saa_rt_"
)

// errGrantRevoked is returned when a token would be issued under a grant the
// user revoked or changed since.
var errGrantRevoked = errors.New("the user's grant was revoked or changed")

// opaqueToken returns a fresh 256-bit token with prefix, and its signature.
func opaqueToken(prefix string) (token, signature string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", fmt.Errorf("generate token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(raw)
	return token, digest(token), nil
}

// digest is the key a code or refresh token is stored under: its SHA-256,
// so a copy of the database reveals no usable token.
func digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *fositeStrategy) AuthorizeCodeSignature(_ context.Context, token string) string {
	return digest(token)
}

func (s *fositeStrategy) GenerateAuthorizeCode(context.Context, fosite.Requester) (string, string, error) {
	return opaqueToken(codePrefix)
}

// ValidateAuthorizeCode checks the form and the expiry kept in the stored
// request's session.
func (s *fositeStrategy) ValidateAuthorizeCode(_ context.Context, r fosite.Requester, token string) error {
	return s.validateOpaque(r, token, codePrefix, fosite.AuthorizeCode)
}

func (s *fositeStrategy) RefreshTokenSignature(_ context.Context, token string) string {
	return digest(token)
}

func (s *fositeStrategy) GenerateRefreshToken(context.Context, fosite.Requester) (string, string, error) {
	return opaqueToken(refreshPrefix)
}

func (s *fositeStrategy) ValidateRefreshToken(_ context.Context, r fosite.Requester, token string) error {
	return s.validateOpaque(r, token, refreshPrefix, fosite.RefreshToken)
}

func (s *fositeStrategy) validateOpaque(r fosite.Requester, token, prefix string, kind fosite.TokenType) error {
	if !strings.HasPrefix(token, prefix) {
		return fosite.ErrInvalidTokenFormat
	}
	exp := r.GetSession().GetExpiresAt(kind)
	if exp.IsZero() || !s.now().Before(exp) {
		return fosite.ErrTokenExpired
	}
	return nil
}

// generateUserToken signs a token for the user of sess, acting through
// client c, after checking that the user's grant still stands as it was
// when the code was issued and covers every scope; the token joins the
// request's family (its ID) so that revoking the family denies it.
func (s *fositeStrategy) generateUserToken(ctx context.Context, r fosite.Requester, c *fositeClient, sess *userSession) (string, string, error) {
	if s.flows == nil {
		return "", "", errFlowsOff
	}
	g, err := s.flows.GetGrant(ctx, sess.Subject, c.ID)
	if err != nil {
		return "", "", fmt.Errorf("read grant: %w", err)
	}
	scopes := r.GetGrantedScopes()
	if g.Revoked || g.Generation != sess.GrantGeneration || slices.ContainsFunc(scopes, func(sc string) bool { return !slices.Contains(g.Scopes, sc) }) {
		return "", "", errGrantRevoked
	}
	gen := g.Generation
	tok, err := s.issuer.issueFor(tokenSpec{
		clientID: c.ID, subject: sess.Subject, clientGen: c.generation, grantGen: &gen,
		scopes: scopes, audience: r.GetGrantedAudience(),
	})
	if err != nil {
		return "", "", err
	}
	if err := s.flows.AddAccessToken(ctx, r.GetID(), sess.Subject, c.ID, tok.jti, tok.exp); err != nil {
		return "", "", fmt.Errorf("record access token: %w", err)
	}
	sess.SetExpiresAt(fosite.AccessToken, tok.exp)
	return tok.token, tok.token, nil
}
