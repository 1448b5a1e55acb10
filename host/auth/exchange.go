package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ory/fosite"

	"github.com/secure-agent/saa/host"
)

// RFC 8693 identifiers.
const (
	// GrantTypeTokenExchange is the grant_type of a token exchange.
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// TokenTypeAccessToken is the only subject_token_type accepted and the
	// issued_token_type of every answer.
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// minChildLifetime is the shortest lifetime worth issuing: a parent with
// less left is refused rather than answered with a token already dead.
const minChildLifetime = time.Second

// handleTokenExchange serves RFC 8693 token exchange through fosite, whose
// tokenExchange handler does the work.
func (s *Server) handleTokenExchange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.oauth.NewAccessRequest(ctx, r, newSession("", time.Time{}))
	if err != nil {
		s.writeAccessError(ctx, w, ar, err)
		return
	}
	resp, err := s.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		s.writeAccessError(ctx, w, ar, err)
		return
	}
	s.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

// tokenExchange is fosite's TokenEndpointHandler for RFC 8693: a
// confidential client presents an access token (subject_token) it was
// given and gets a child token for itself. The child acts for the parent's
// subject with the scopes the parent holds, the client is allowed and the
// request names (host.Principal.Delegate, the same rule as in-process
// narrowing); it lives no longer than the parent, is for no audience the
// parent is not, carries the actor chain in act, and names every ancestor
// token in chain so that revoking any ancestor voids it.
type tokenExchange struct {
	s *Server
	// subjects verifies subject tokens: ours, for any of our resources.
	subjects *Verifier
}

var _ fosite.TokenEndpointHandler = (*tokenExchange)(nil)

// exchangeSession is the fosite session of an exchange: the parent and
// the child principal worked out while handling the request.
type exchangeSession struct {
	*fosite.DefaultSession
	parent *accessClaims
	child  host.Principal
	gen    uint64
	exp    time.Time
}

func (h *tokenExchange) CanSkipClientAuth(context.Context, fosite.AccessRequester) bool { return false }

func (h *tokenExchange) CanHandleTokenEndpointRequest(_ context.Context, ar fosite.AccessRequester) bool {
	return ar.GetGrantTypes().ExactOne(GrantTypeTokenExchange)
}

// HandleTokenEndpointRequest checks the request and works out the child.
func (h *tokenExchange) HandleTokenEndpointRequest(ctx context.Context, ar fosite.AccessRequester) error {
	if !h.CanHandleTokenEndpointRequest(ctx, ar) {
		return fosite.ErrUnknownRequest
	}
	c, ok := ar.GetClient().(*fositeClient)
	if !ok || c.IsPublic() {
		return fosite.ErrInvalidClient.WithHint("Token exchange is for confidential clients only.")
	}
	req, err := parseExchange(ar.GetRequestForm())
	if err != nil {
		return err
	}
	parent, err := h.subjects.verify(ctx, req.subjectToken)
	switch {
	case errors.Is(err, ErrInvalidToken):
		// RFC 8693 section 2.2.2: an unacceptable subject_token is invalid_request.
		return fosite.ErrInvalidRequest.WithHint("The subject_token is invalid, expired or revoked.").WithWrap(err)
	case err != nil:
		return fosite.ErrServerError.WithWrap(err)
	}
	audience, err := childAudience(parent, req.audiences)
	if err != nil {
		return err
	}
	child, err := h.delegate(parent, c, ar.GetRequestedScopes())
	if err != nil {
		return err
	}
	exp := h.s.now().Truncate(time.Second).Add(h.s.cfg.TokenLifetime)
	if pexp := parent.ExpiresAt.Time; pexp.Before(exp) {
		exp = pexp
	}
	if exp.Sub(h.s.now()) < minChildLifetime {
		return fosite.ErrInvalidRequest.WithHint("The subject_token expires too soon to be exchanged.")
	}
	for _, sc := range child.Scopes {
		ar.GrantScope(sc)
	}
	for _, a := range audience {
		ar.GrantAudience(a)
	}
	ar.SetSession(&exchangeSession{DefaultSession: newSession(child.Subject, exp), parent: parent, child: child, gen: c.generation, exp: exp})
	return nil
}

// delegate applies the delegation rule: the parent's scopes that the
// client is allowed and asked for, one more link in the chain.
func (h *tokenExchange) delegate(parent *accessClaims, c *fositeClient, requested []string) (host.Principal, error) {
	if len(requested) == 0 {
		return host.Principal{}, fosite.ErrInvalidScope.WithHint("Request at least one scope.")
	}
	var asked []string
	for _, sc := range requested {
		if slices.Contains(c.GetScopes(), sc) {
			asked = append(asked, sc)
		}
	}
	p := principalOf(parent)
	child, err := p.Delegate(c.GetID(), c.GetID(), asked, h.s.cfg.MaxDelegationDepth)
	switch {
	case errors.Is(err, host.ErrNoCommonScope):
		return host.Principal{}, fosite.ErrInvalidScope.WithHint("None of the requested scopes is held by the subject_token and allowed to this client.")
	case errors.Is(err, host.ErrDelegationDepth):
		return host.Principal{}, fosite.ErrInvalidRequest.WithHint("The subject_token's delegation chain is as deep as this server allows.")
	case err != nil:
		return host.Principal{}, fosite.ErrInvalidRequest.WithHint("The subject_token cannot be delegated.").WithWrap(err)
	}
	return child, nil
}

// PopulateTokenEndpointResponse signs the child token.
func (h *tokenExchange) PopulateTokenEndpointResponse(ctx context.Context, ar fosite.AccessRequester, resp fosite.AccessResponder) error {
	if !h.CanHandleTokenEndpointRequest(ctx, ar) {
		return fosite.ErrUnknownRequest
	}
	sess, ok := ar.GetSession().(*exchangeSession)
	if !ok {
		return fosite.ErrServerError.WithDebug("token exchange without its session")
	}
	tok, err := h.issue(sess, ar.GetGrantedAudience())
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	resp.SetAccessToken(tok.token)
	resp.SetTokenType("bearer")
	resp.SetExpiresIn(tok.exp.Sub(h.s.now()))
	resp.SetScopes(ar.GetGrantedScopes())
	resp.SetExtra("issued_token_type", TokenTypeAccessToken)
	return nil
}

// issue signs the child of sess.parent.
func (h *tokenExchange) issue(sess *exchangeSession, audience []string) (issued, error) {
	jti, err := newJTI()
	if err != nil {
		return issued{}, err
	}
	p, gen := sess.parent, sess.gen
	chain := append(slices.Clone(p.Chain), chainLink{ID: p.ID, ClientID: p.ClientID, Generation: p.Generation, Expiry: p.ExpiresAt.Unix(), GrantGen: p.GrantGen})
	claims := &accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    h.s.issuer.issuer,
			Subject:   sess.child.Subject,
			Audience:  jwt.ClaimStrings(audience),
			ExpiresAt: jwt.NewNumericDate(sess.exp),
			IssuedAt:  jwt.NewNumericDate(h.s.now().Truncate(time.Second)),
			ID:        jti,
		},
		ClientID:   sess.child.ClientID,
		Scope:      strings.Join(sess.child.Scopes, " "),
		Generation: &gen,
		Act:        actOf(sess.child.Actors),
		Chain:      chain,
	}
	return h.s.issuer.sign(claims)
}

// childAudience is the audience the child is for: the parent's, or the
// part of it the request names (audience or resource); naming anything
// else is invalid_target.
func childAudience(parent *accessClaims, asked []string) ([]string, error) {
	if len(asked) == 0 {
		return slices.Clone(parent.Audience), nil
	}
	for _, a := range asked {
		if !slices.Contains(parent.Audience, a) {
			return nil, errInvalidTarget.WithHint("A child token can only be for an audience of the subject_token.")
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(asked))), nil
}

// exchangeRequest is what a token exchange asks for beyond scope.
type exchangeRequest struct {
	subjectToken string
	// audiences are the audience and resource values, together.
	audiences []string
}

// parseExchange reads RFC 8693's parameters. Only access tokens are
// exchanged, for access tokens; the actor is always the authenticated
// client, so actor_token is refused rather than ignored.
func parseExchange(form url.Values) (exchangeRequest, error) {
	for _, name := range []string{"subject_token", "subject_token_type", "requested_token_type", "actor_token", "actor_token_type"} {
		if len(form[name]) > 1 {
			return exchangeRequest{}, fosite.ErrInvalidRequest.WithHintf("The %s parameter may appear once.", name)
		}
	}
	switch {
	case form.Get("subject_token") == "":
		return exchangeRequest{}, fosite.ErrInvalidRequest.WithHint("The subject_token parameter is required.")
	case form.Get("subject_token_type") != TokenTypeAccessToken:
		return exchangeRequest{}, fosite.ErrInvalidRequest.WithHintf("The subject_token_type must be %s.", TokenTypeAccessToken)
	case form.Has("requested_token_type") && form.Get("requested_token_type") != TokenTypeAccessToken:
		return exchangeRequest{}, fosite.ErrInvalidRequest.WithHintf("Only %s can be issued.", TokenTypeAccessToken)
	case form.Has("actor_token") || form.Has("actor_token_type"):
		return exchangeRequest{}, fosite.ErrInvalidRequest.WithHint("The actor is the authenticated client; actor_token is not accepted.")
	}
	req := exchangeRequest{subjectToken: form.Get("subject_token")}
	for _, a := range append(slices.Clone(form["audience"]), form["resource"]...) {
		if a == "" {
			return exchangeRequest{}, fosite.ErrInvalidRequest.WithHint("An audience or resource parameter is empty.")
		}
		req.audiences = append(req.audiences, a)
	}
	return req, nil
}

// actOf nests actors (first to last) into an act claim whose top level is
// the last, the current actor.
func actOf(actors []string) *actClaim {
	var act *actClaim
	for _, a := range actors {
		act = &actClaim{Subject: a, Act: act}
	}
	return act
}

// principalOf is the principal a verified token stands for.
func principalOf(c *accessClaims) host.Principal {
	return host.Principal{ClientID: c.ClientID, Subject: c.Subject, Scopes: c.scopes(), Actors: c.actors()}
}
