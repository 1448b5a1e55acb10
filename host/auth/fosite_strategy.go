package auth

import (
	"context"
	"errors"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// errUnsupported is returned by the fosite hooks SAA does not use (refresh
// tokens, authorization codes, client assertions): the composed handlers
// never reach them.
var errUnsupported = errors.New("not supported by this server")

// fositeStrategy is fosite's token strategy: access tokens are SAA's own
// RFC 9068 JWTs (fosite's JWT strategy cannot set typ at+jwt or client_id).
// A token is its own fosite "signature": it is self-contained and never
// stored, and fositeStore turns it back into a request by verifying it.
type fositeStrategy struct {
	issuer   *tokenIssuer
	verifier *Verifier
	// flows records the access tokens of each family and holds grants;
	// nil when the code flow is off.
	flows authstore.Flows
	now   func() time.Time
}

var _ oauth2.CoreStrategy = (*fositeStrategy)(nil)

func (s *fositeStrategy) AccessTokenSignature(_ context.Context, token string) string { return token }

// GenerateAccessToken signs a token for the request's client with its
// granted scopes, and aligns the session's expiry (and so expires_in) with
// the token's exp. The client must be the one authenticateClient returned,
// which carries the generation of the record it checked.
func (s *fositeStrategy) GenerateAccessToken(ctx context.Context, r fosite.Requester) (string, string, error) {
	c, ok := r.GetClient().(*fositeClient)
	if !ok {
		return "", "", fosite.ErrServerError.WithDebug("client was not authenticated by SAA")
	}
	if us, ok := r.GetSession().(*userSession); ok {
		return s.generateUserToken(ctx, r, c, us)
	}
	tok, err := s.issuer.issue(c.ID, c.ID, c.generation, r.GetGrantedScopes(), r.GetGrantedAudience())
	if err != nil {
		return "", "", err
	}
	r.SetID(tok.jti)
	r.GetSession().SetExpiresAt(fosite.AccessToken, tok.exp)
	return tok.token, tok.token, nil
}

// ValidateAccessToken verifies the token in full, revocation included.
func (s *fositeStrategy) ValidateAccessToken(ctx context.Context, _ fosite.Requester, token string) error {
	if _, err := s.verifier.verify(ctx, token); err != nil {
		return fosite.ErrInactiveToken.WithWrap(err)
	}
	return nil
}

// newSession returns the fosite session of a token for subject.
func newSession(subject string, exp time.Time) *fosite.DefaultSession {
	s := &fosite.DefaultSession{Subject: subject, ExpiresAt: map[fosite.TokenType]time.Time{}}
	if !exp.IsZero() {
		s.ExpiresAt[fosite.AccessToken] = exp
	}
	return s
}
