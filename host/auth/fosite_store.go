package auth

import (
	"context"
	"errors"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// fositeStore adapts authstore to the storage interfaces fosite's composed
// handlers need. Access tokens are not stored (the JWT is the record): a
// "session" is recovered by verifying the token, and revoking one puts its
// jti on the deny-list.
type fositeStore struct {
	store    authstore.Store
	verifier *Verifier
	// audience is granted to every client.
	audience string
	// denyFor is how long a revoked jti is remembered: the longest lifetime
	// a token can have, plus leeway.
	denyFor time.Duration
	now     func() time.Time
}

var (
	_ fosite.Storage                = (*fositeStore)(nil)
	_ oauth2.CoreStorage            = (*fositeStore)(nil)
	_ oauth2.TokenRevocationStorage = (*fositeStore)(nil)
)

// GetClient returns an active client; a disabled or missing one is
// fosite.ErrNotFound, which fosite reports as invalid_client.
func (s *fositeStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if errors.Is(err, authstore.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if c.Status != authstore.ClientActive {
		return nil, fosite.ErrNotFound
	}
	return toFositeClient(c, s.audience), nil
}

// fositeClient is a client as fosite sees it, remembering the generation of
// the record it was read from so the token issued to it carries that.
type fositeClient struct {
	fosite.DefaultClient
	generation uint64
}

// toFositeClient is c as fosite sees it: confidential, client_credentials
// only, allowed its scopes and the one audience.
func toFositeClient(c authstore.Client, audience string) *fositeClient {
	return &fositeClient{
		DefaultClient: fosite.DefaultClient{
			ID:            c.ID,
			Secret:        c.SecretHash,
			GrantTypes:    fosite.Arguments{"client_credentials"},
			ResponseTypes: fosite.Arguments{},
			Scopes:        append(fosite.Arguments{}, c.Scopes...),
			Audience:      fosite.Arguments{audience},
		},
		generation: c.Generation,
	}
}

func (s *fositeStore) ClientAssertionJWTValid(context.Context, string) error { return errUnsupported }

func (s *fositeStore) SetClientAssertionJWT(context.Context, string, time.Time) error {
	return errUnsupported
}

// CreateAccessTokenSession stores nothing: the token is self-contained.
func (s *fositeStore) CreateAccessTokenSession(context.Context, string, fosite.Requester) error {
	return nil
}

// GetAccessTokenSession verifies token (its own "signature") and rebuilds the
// request it was issued for. A revoked token is fosite.ErrInactiveToken, any
// other bad token fosite.ErrNotFound.
func (s *fositeStore) GetAccessTokenSession(ctx context.Context, token string, _ fosite.Session) (fosite.Requester, error) {
	c, err := s.verifier.verify(ctx, token)
	switch {
	case errors.Is(err, ErrTokenRevoked):
		return nil, fosite.ErrInactiveToken
	case errors.Is(err, ErrInvalidToken):
		return nil, fosite.ErrNotFound
	case err != nil:
		return nil, err
	}
	r := fosite.NewRequest()
	r.ID = c.ID
	r.RequestedAt = c.IssuedAt.Time
	r.Client = &fosite.DefaultClient{ID: c.ClientID}
	r.RequestedScope = fosite.Arguments(c.scopes())
	r.GrantedScope = fosite.Arguments(c.scopes())
	r.GrantedAudience = fosite.Arguments(c.Audience)
	sess := newSession(c.Subject, c.ExpiresAt.Time)
	sess.Extra = map[string]any{"iss": c.Issuer, "jti": c.ID, "token_type": "Bearer"}
	if c.Act != nil {
		sess.Extra["act"] = c.Act // RFC 8693 section 4.1: the actor chain
	}
	r.Session = sess
	return r, nil
}

// DeleteAccessTokenSession has nothing to delete.
func (s *fositeStore) DeleteAccessTokenSession(context.Context, string) error { return nil }

// RevokeAccessToken denies the token whose jti is requestID (set so by
// GetAccessTokenSession) for as long as any token can live.
func (s *fositeStore) RevokeAccessToken(ctx context.Context, requestID string) error {
	return s.store.DenyToken(ctx, requestID, s.now().Add(s.denyFor))
}

// RevokeRefreshToken has nothing to revoke: SAA issues no refresh tokens.
func (s *fositeStore) RevokeRefreshToken(context.Context, string) error { return nil }

func (s *fositeStore) CreateRefreshTokenSession(context.Context, string, string, fosite.Requester) error {
	return errUnsupported
}

func (s *fositeStore) GetRefreshTokenSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}

func (s *fositeStore) DeleteRefreshTokenSession(context.Context, string) error { return nil }

func (s *fositeStore) RotateRefreshToken(context.Context, string, string) error {
	return errUnsupported
}

func (s *fositeStore) CreateAuthorizeCodeSession(context.Context, string, fosite.Requester) error {
	return errUnsupported
}

func (s *fositeStore) GetAuthorizeCodeSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}

func (s *fositeStore) InvalidateAuthorizeCodeSession(context.Context, string) error {
	return fosite.ErrNotFound
}
