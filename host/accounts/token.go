package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// refreshTimeout bounds one refresh, whoever waits for it.
const refreshTimeout = 30 * time.Second

// Token returns subject's current access token at provider, refreshing it
// first when it expires within RefreshBefore. Concurrent callers for one
// account share one refresh. It fails with ErrNotConnected when subject has
// no account there (an empty subject never has one) and ErrReconnectNeeded
// when the provider refused the refresh token, now or before.
func (s *Service) Token(ctx context.Context, subject, provider string) (string, error) {
	if subject == "" {
		return "", fmt.Errorf("%w: %s", ErrNotConnected, provider)
	}
	a, err := s.cfg.Store.Account(ctx, subject, provider)
	if err != nil {
		return "", err
	}
	if a.Status == StatusReconnectNeeded {
		return "", fmt.Errorf("%w: %s", ErrReconnectNeeded, provider)
	}
	if !s.stale(a) {
		return a.AccessToken, nil
	}
	// The refresh runs detached from this caller: another caller of the
	// same flight must not fail because this one gave up.
	v, err, _ := s.flights.Do(subject+"\x00"+provider, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		return s.refresh(rctx, subject, provider)
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// stale reports whether a's access token expires within RefreshBefore.
func (s *Service) stale(a Account) bool {
	return !a.Expiry.IsZero() && !s.cfg.Now().Add(s.cfg.RefreshBefore).Before(a.Expiry)
}

// refresh renews subject's token at provider, unless a refresh that ended
// just before this flight already did.
func (s *Service) refresh(ctx context.Context, subject, provider string) (string, error) {
	a, err := s.cfg.Store.Account(ctx, subject, provider)
	if err != nil {
		return "", err
	}
	if a.Status == StatusReconnectNeeded {
		return "", fmt.Errorf("%w: %s", ErrReconnectNeeded, provider)
	}
	if !s.stale(a) {
		return a.AccessToken, nil
	}
	if a.RefreshToken == "" {
		return "", s.markReconnect(ctx, a)
	}
	p, err := s.cfg.Store.Provider(ctx, provider)
	if err != nil {
		return "", err
	}
	tok, err := s.oauthConfig(p, nil).TokenSource(s.clientCtx(ctx), &oauth2.Token{RefreshToken: a.RefreshToken}).Token()
	if err != nil {
		if refused(err) {
			return "", s.markReconnect(ctx, a)
		}
		return "", providerError(err)
	}
	if err := s.save(ctx, a, tok, s.cfg.Now()); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// refused reports whether the provider refused the refresh token itself
// (RFC 6749 §5.2 invalid_grant), as opposed to failing for a while.
func refused(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// markReconnect records that a needs connecting again and returns the
// error to give the caller. The dead tokens are dropped.
func (s *Service) markReconnect(ctx context.Context, a Account) error {
	a.Status, a.AccessToken, a.RefreshToken, a.UpdatedAt = StatusReconnectNeeded, "", "", s.cfg.Now()
	if err := s.cfg.Store.PutAccount(ctx, a); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", ErrReconnectNeeded, a.Provider)
}

// save stores tok as a's tokens, keeping a's refresh token when the
// provider sent no new one.
func (s *Service) save(ctx context.Context, a Account, tok *oauth2.Token, now time.Time) error {
	if tok.AccessToken == "" {
		return fmt.Errorf("%w: no access token", ErrProvider)
	}
	a.AccessToken, a.TokenType, a.Expiry = tok.AccessToken, tok.Type(), tok.Expiry
	if tok.RefreshToken != "" {
		a.RefreshToken = tok.RefreshToken
	}
	if sc, ok := tok.Extra("scope").(string); ok && sc != "" {
		a.Scopes = strings.Fields(sc)
	}
	a.Status, a.UpdatedAt = StatusConnected, now
	return s.cfg.Store.PutAccount(ctx, a)
}

// Connection is what a user sees of one provider: whether their account is
// connected and where to (re)connect it. It carries no token.
type Connection struct {
	Provider    string    `json:"provider"`
	Status      string    `json:"status"` // connected, reconnect_needed or not_connected
	Scopes      []string  `json:"scopes,omitempty"`
	ConnectedAt time.Time `json:"connected_at,omitzero"`
	ConnectURL  string    `json:"connect_url"`
}

// StatusNotConnected is a Connection's status without an account.
const StatusNotConnected = "not_connected"

// Connections lists every configured provider with subject's account there.
func (s *Service) Connections(ctx context.Context, subject string) ([]Connection, error) {
	ps, err := s.cfg.Store.Providers(ctx)
	if err != nil {
		return nil, err
	}
	as, err := s.cfg.Store.Accounts(ctx, subject)
	if err != nil {
		return nil, err
	}
	byProvider := make(map[string]Account, len(as))
	for _, a := range as {
		byProvider[a.Provider] = a
	}
	out := make([]Connection, 0, len(ps))
	for _, p := range ps {
		c := Connection{Provider: p.Name, Status: StatusNotConnected, ConnectURL: s.ConnectURL(p.Name)}
		if a, ok := byProvider[p.Name]; ok {
			c.Status, c.Scopes, c.ConnectedAt = a.Status, a.Scopes, a.ConnectedAt
			delete(byProvider, p.Name)
		}
		out = append(out, c)
	}
	// Accounts at a provider the admin removed are still listed, so that
	// the user can disconnect them.
	for _, a := range as {
		if _, ok := byProvider[a.Provider]; ok {
			out = append(out, Connection{Provider: a.Provider, Status: a.Status, Scopes: a.Scopes, ConnectedAt: a.ConnectedAt, ConnectURL: s.ConnectURL(a.Provider)})
		}
	}
	return out, nil
}
