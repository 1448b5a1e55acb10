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
	// flows stores codes, refresh tokens and grants; nil when the store
	// does not implement authstore.Flows (the code flow is then off).
	flows authstore.Flows
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

// toFositeClient is c as fosite sees it, allowed its scopes and the one
// audience: a confidential client may use client_credentials, and with
// redirect URIs the authorization code flow and refresh tokens too; a public
// client only the latter two.
func toFositeClient(c authstore.Client, audience string) *fositeClient {
	grants, responses := fosite.Arguments{"client_credentials"}, fosite.Arguments{}
	if len(c.RedirectURIs) > 0 {
		grants, responses = append(grants, "authorization_code", "refresh_token"), fosite.Arguments{"code"}
	}
	if c.Public {
		grants = fosite.Arguments{"authorization_code", "refresh_token"}
	}
	return &fositeClient{
		DefaultClient: fosite.DefaultClient{
			ID:            c.ID,
			Secret:        c.SecretHash,
			RedirectURIs:  append([]string{}, c.RedirectURIs...),
			GrantTypes:    grants,
			ResponseTypes: responses,
			Scopes:        append(fosite.Arguments{}, c.Scopes...),
			Audience:      fosite.Arguments{audience},
			Public:        c.Public,
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

// RevokeAccessToken revokes the family requestID names, if it is one (a
// refresh token's request, or a replayed code's), else denies the single
// token whose jti it is (set so by GetAccessTokenSession) for as long as any
// token can live.
func (s *fositeStore) RevokeAccessToken(ctx context.Context, requestID string) error {
	if s.flows != nil {
		err := s.flows.RevokeFamily(ctx, requestID)
		if !errors.Is(err, authstore.ErrNotFound) {
			return err
		}
	}
	return s.store.DenyToken(ctx, requestID, s.now().Add(s.denyFor))
}
