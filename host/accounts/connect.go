package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"golang.org/x/oauth2"
)

// Begin starts connecting subject's account at provider: it remembers a
// fresh state and PKCE verifier for subject and returns the provider's
// authorization URL to send the user to. scopes are asked beside the
// provider's own.
func (s *Service) Begin(ctx context.Context, subject, provider string, scopes []string) (string, error) {
	if subject == "" {
		return "", errors.New("begin connection: no subject")
	}
	p, err := s.cfg.Store.Provider(ctx, provider)
	if err != nil {
		return "", err
	}
	state, err := randomState()
	if err != nil {
		return "", err
	}
	verifier := oauth2.GenerateVerifier()
	if err := s.remember(state, pending{subject: subject, provider: provider, verifier: verifier, expires: s.cfg.Now().Add(stateLife)}); err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range p.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return s.oauthConfig(p, mergeScopes(p.Scopes, scopes)).AuthCodeURL(state, opts...), nil
}

// Complete finishes the connection that state started: only for the same
// subject and provider, once, before it expires. It exchanges code (with
// the PKCE verifier) for tokens and stores them as subject's account.
func (s *Service) Complete(ctx context.Context, subject, provider string, cb Callback) error {
	pd, ok := s.take(cb.State)
	if !ok || pd.subject != subject || pd.provider != provider || s.cfg.Now().After(pd.expires) {
		return ErrState
	}
	if cb.Error != "" {
		return fmt.Errorf("%w: %s", ErrProvider, cb.Error)
	}
	p, err := s.cfg.Store.Provider(ctx, provider)
	if err != nil {
		return err
	}
	tok, err := s.oauthConfig(p, nil).Exchange(s.clientCtx(ctx), cb.Code, oauth2.VerifierOption(pd.verifier))
	if err != nil {
		return providerError(err)
	}
	now := s.cfg.Now()
	a := Account{Subject: subject, Provider: provider, Status: StatusConnected, ConnectedAt: now}
	return s.save(ctx, a, tok, now)
}

// Disconnect forgets subject's account at provider. It does not revoke the
// tokens at the provider: the user can do that there.
func (s *Service) Disconnect(ctx context.Context, subject, provider string) error {
	return s.cfg.Store.DeleteAccount(ctx, subject, provider)
}

// Callback is what a provider sends back to the callback URL.
type Callback struct {
	Code, State string
	// Error is the provider's OAuth error code (access_denied...).
	Error string
}

// maxCallbackParam bounds each callback parameter.
const maxCallbackParam = 4096

// ErrCallback means a callback's query is malformed.
var ErrCallback = errors.New("malformed callback")

// ParseCallback reads a callback's query: state, and either code or error.
// Each must appear once and be at most 4096 bytes; the error code is kept
// only if it is printable ASCII.
func ParseCallback(q url.Values) (Callback, error) {
	var cb Callback
	for _, f := range []struct {
		name string
		dst  *string
	}{{"state", &cb.State}, {"code", &cb.Code}, {"error", &cb.Error}} {
		vs := q[f.name]
		switch {
		case len(vs) > 1:
			return Callback{}, fmt.Errorf("%w: %s given twice", ErrCallback, f.name)
		case len(vs) == 1 && (vs[0] == "" || len(vs[0]) > maxCallbackParam):
			return Callback{}, fmt.Errorf("%w: %s empty or too long", ErrCallback, f.name)
		case len(vs) == 1:
			*f.dst = vs[0]
		}
	}
	switch {
	case cb.State == "":
		return Callback{}, fmt.Errorf("%w: no state", ErrCallback)
	case (cb.Code == "") == (cb.Error == ""):
		return Callback{}, fmt.Errorf("%w: want exactly one of code and error", ErrCallback)
	}
	cb.Error = safeCode(cb.Error)
	return cb, nil
}

// remember keeps a pending connection, dropping expired ones when full.
func (s *Service) remember(state string, pd pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) >= maxPending {
		now := s.cfg.Now()
		for k, v := range s.pending {
			if now.After(v.expires) {
				delete(s.pending, k)
			}
		}
		if len(s.pending) >= maxPending {
			return errors.New("begin connection: too many connections in progress")
		}
	}
	s.pending[state] = pd
	return nil
}

// take removes and returns the pending connection of state: a state is
// single-use whatever the outcome.
func (s *Service) take(state string) (pending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pd, ok := s.pending[state]
	delete(s.pending, state)
	return pd, ok
}

func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// mergeScopes returns a then the members of b not in a.
func mergeScopes(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
