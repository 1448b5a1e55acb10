package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/pkce"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// The storage of the authorization code flow: codes, refresh tokens and
// their families live in authstore.Flows; a fosite request is stored as the
// JSON of storedRequest, never with the code or token itself (those are
// keyed by their SHA-256, see fositeStrategy).

var (
	_ pkce.PKCERequestStorage       = (*fositeStore)(nil)
	_ oauth2.TokenRevocationStorage = (*fositeStore)(nil)
)

// userSession is the fosite session of a token issued for a user: its
// subject, and the generation of the user's grant it was issued under.
type userSession struct {
	fosite.DefaultSession
	GrantGeneration uint64 `json:"grant_generation"`
}

// Clone returns a deep copy, as fosite.Session asks.
func (s *userSession) Clone() fosite.Session {
	cp := *s
	cp.ExpiresAt = maps.Clone(s.ExpiresAt)
	return &cp
}

func newUserSession(user string, grantGen uint64) *userSession {
	return &userSession{
		DefaultSession:  fosite.DefaultSession{Subject: user, Username: user, ExpiresAt: map[fosite.TokenType]time.Time{}},
		GrantGeneration: grantGen,
	}
}

// storedForm are the authorization request parameters the token endpoint
// needs again: fosite compares redirect_uri, PKCE checks the challenge.
var storedForm = []string{"redirect_uri", "code_challenge", "code_challenge_method"}

// storedRequest is a fosite request as the store keeps it.
type storedRequest struct {
	ID                string            `json:"id"`
	ClientID          string            `json:"client_id"`
	RequestedAt       time.Time         `json:"requested_at"`
	RequestedScopes   []string          `json:"requested_scopes"`
	GrantedScopes     []string          `json:"granted_scopes"`
	RequestedAudience []string          `json:"requested_audience,omitempty"`
	GrantedAudience   []string          `json:"granted_audience,omitempty"`
	Form              map[string]string `json:"form,omitempty"`
	Session           userSession       `json:"session"`
}

// encodeRequest serialises r, whose session must be a *userSession.
func encodeRequest(r fosite.Requester) ([]byte, error) {
	sess, ok := r.GetSession().(*userSession)
	if !ok {
		return nil, errors.New("encode request: not a user session")
	}
	sr := storedRequest{
		ID: r.GetID(), ClientID: r.GetClient().GetID(), RequestedAt: r.GetRequestedAt(),
		RequestedScopes: r.GetRequestedScopes(), GrantedScopes: r.GetGrantedScopes(),
		RequestedAudience: r.GetRequestedAudience(), GrantedAudience: r.GetGrantedAudience(),
		Form: map[string]string{}, Session: *sess,
	}
	for _, k := range storedForm {
		if v := r.GetRequestForm().Get(k); v != "" {
			sr.Form[k] = v
		}
	}
	return json.Marshal(sr)
}

// decodeRequest rebuilds the request stored as data. fosite validates a
// code or refresh token against the session it passed to the getter, so
// into gets the stored expiry of kind; nothing else of it is touched (fosite
// calls a getter twice and may have set other expiries in between).
func decodeRequest(data []byte, into fosite.Session, kind fosite.TokenType) (*fosite.Request, error) {
	var sr storedRequest
	if err := json.Unmarshal(data, &sr); err != nil {
		return nil, fmt.Errorf("decode stored request: %w", err)
	}
	form := url.Values{}
	for k, v := range sr.Form {
		form.Set(k, v)
	}
	sess := sr.Session
	if sess.ExpiresAt == nil {
		sess.ExpiresAt = map[fosite.TokenType]time.Time{}
	}
	if into != nil {
		into.SetExpiresAt(kind, sess.GetExpiresAt(kind))
	}
	return &fosite.Request{
		ID: sr.ID, RequestedAt: sr.RequestedAt, Client: &fosite.DefaultClient{ID: sr.ClientID},
		RequestedScope: sr.RequestedScopes, GrantedScope: sr.GrantedScopes,
		RequestedAudience: sr.RequestedAudience, GrantedAudience: sr.GrantedAudience,
		Form: form, Session: &sess,
	}, nil
}

// decodeRequest is decodeRequest with the client as it is now: fosite
// decides from its grant types whether to issue a refresh token. A client
// deleted or disabled since is fosite.ErrNotFound.
func (s *fositeStore) decodeRequest(ctx context.Context, data []byte, into fosite.Session, kind fosite.TokenType) (*fosite.Request, error) {
	r, err := decodeRequest(data, into, kind)
	if err != nil {
		return nil, err
	}
	if r.Client, err = s.GetClient(ctx, r.Client.GetID()); err != nil {
		return nil, err
	}
	return r, nil
}

// errFlowsOff is returned when the store has no authstore.Flows.
var errFlowsOff = errors.New("the authorization code flow needs a store that implements authstore.Flows")

// CreateAuthorizeCodeSession stores the code's request; its family is the
// request's ID, which every token issued from the code keeps.
func (s *fositeStore) CreateAuthorizeCodeSession(ctx context.Context, signature string, r fosite.Requester) error {
	if s.flows == nil {
		return errFlowsOff
	}
	data, err := encodeRequest(r)
	if err != nil {
		return err
	}
	exp := r.GetSession().GetExpiresAt(fosite.AuthorizeCode)
	return s.flows.CreateCode(ctx, authstore.Code{Signature: signature, Family: r.GetID(), Request: data, ExpiresAt: exp})
}

// GetAuthorizeCodeSession returns the code's request; a used code's comes
// with fosite.ErrInvalidatedAuthorizeCode, on which fosite revokes the
// family (RevokeAccessToken with the request's ID).
func (s *fositeStore) GetAuthorizeCodeSession(ctx context.Context, signature string, into fosite.Session) (fosite.Requester, error) {
	if s.flows == nil {
		return nil, fosite.ErrNotFound
	}
	c, err := s.flows.GetCode(ctx, signature)
	if errors.Is(err, authstore.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r, err := s.decodeRequest(ctx, c.Request, into, fosite.AuthorizeCode)
	if err != nil {
		return nil, err
	}
	if c.Used {
		return r, fosite.ErrInvalidatedAuthorizeCode
	}
	return r, nil
}

// InvalidateAuthorizeCodeSession marks the code used, atomically. The loser
// of two concurrent redemptions revokes the family, so the tokens the
// winner got die too.
func (s *fositeStore) InvalidateAuthorizeCodeSession(ctx context.Context, signature string) error {
	if s.flows == nil {
		return errFlowsOff
	}
	err := s.flows.UseCode(ctx, signature)
	if !errors.Is(err, authstore.ErrUsed) {
		return err
	}
	if c, gerr := s.flows.GetCode(ctx, signature); gerr == nil {
		err = errors.Join(err, ignoreNotFound(s.flows.RevokeFamily(ctx, c.Family)))
	}
	return err
}

// The PKCE handler keeps its own "session" per code; the code's stored
// request already carries the challenge, so it is read from there.

func (s *fositeStore) CreatePKCERequestSession(context.Context, string, fosite.Requester) error {
	return nil
}

func (s *fositeStore) GetPKCERequestSession(ctx context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	r, err := s.GetAuthorizeCodeSession(ctx, signature, nil)
	if errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		return nil, fosite.ErrNotFound
	}
	return r, err
}

func (s *fositeStore) DeletePKCERequestSession(context.Context, string) error { return nil }

// CreateRefreshTokenSession stores an active refresh token in the request's family.
func (s *fositeStore) CreateRefreshTokenSession(ctx context.Context, signature, _ string, r fosite.Requester) error {
	if s.flows == nil {
		return errFlowsOff
	}
	data, err := encodeRequest(r)
	if err != nil {
		return err
	}
	exp := r.GetSession().GetExpiresAt(fosite.RefreshToken)
	return s.flows.CreateRefreshToken(ctx, authstore.RefreshToken{Signature: signature, Family: r.GetID(), Request: data, ExpiresAt: exp})
}

// GetRefreshTokenSession returns the token's request; an inactive token's
// comes with fosite.ErrInactiveToken, on which fosite revokes the family.
func (s *fositeStore) GetRefreshTokenSession(ctx context.Context, signature string, into fosite.Session) (fosite.Requester, error) {
	if s.flows == nil {
		return nil, fosite.ErrNotFound
	}
	rt, err := s.flows.GetRefreshToken(ctx, signature)
	if errors.Is(err, authstore.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r, err := s.decodeRequest(ctx, rt.Request, into, fosite.RefreshToken)
	if err != nil {
		return nil, err
	}
	if !rt.Active {
		return r, fosite.ErrInactiveToken
	}
	return r, nil
}

// DeleteRefreshTokenSession keeps the record: a rotated token must stay
// known so that its reuse is detected.
func (s *fositeStore) DeleteRefreshTokenSession(context.Context, string) error { return nil }

// RotateRefreshToken deactivates the presented token by compare-and-swap.
// fosite read it as active a moment before; if another request rotated it
// in between, the same token was used twice, which is reuse: the family is
// revoked, the winner's new tokens included.
func (s *fositeStore) RotateRefreshToken(ctx context.Context, requestID, signature string) error {
	if s.flows == nil {
		return errFlowsOff
	}
	err := s.flows.RotateRefreshToken(ctx, signature)
	if errors.Is(err, authstore.ErrUsed) {
		return errors.Join(err, ignoreNotFound(s.flows.RevokeFamily(ctx, requestID)))
	}
	return err
}

// RevokeRefreshToken revokes the family requestID names, if any.
func (s *fositeStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	if s.flows == nil {
		return nil
	}
	return ignoreNotFound(s.flows.RevokeFamily(ctx, requestID))
}

func ignoreNotFound(err error) error {
	if errors.Is(err, authstore.ErrNotFound) {
		return nil
	}
	return err
}
