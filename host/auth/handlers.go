package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/problem"
)

// logKeyErr is the log attribute of an error.
const logKeyErr = "err"

// handleToken serves the token endpoint. For client_credentials the
// requested scopes are granted exactly when the client may have all of them
// (fosite checks that), and a request with no scope is invalid_scope; the
// authorization_code and refresh_token grants go to fosite's handlers (see
// handleFlowToken) and RFC 8693 token exchange to handleTokenExchange.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	switch gt := r.PostForm.Get("grant_type"); {
	case gt == GrantTypeTokenExchange:
		s.handleTokenExchange(w, r)
		return
	case (gt == "authorization_code" || gt == "refresh_token") && s.flows != nil:
		s.handleFlowToken(w, r)
		return
	case gt != "" && gt != "client_credentials":
		s.writeAccessError(ctx, w, nil, fosite.ErrUnsupportedGrantType.WithHint("This grant type is not supported."))
		return
	}
	ar, err := s.oauth.NewAccessRequest(ctx, r, newSession("", time.Time{}))
	if err != nil {
		s.writeAccessError(ctx, w, ar, err)
		return
	}
	if len(ar.GetRequestedScopes()) == 0 {
		s.writeAccessError(ctx, w, ar, fosite.ErrInvalidScope.WithHint("Request at least one scope."))
		return
	}
	for _, scope := range ar.GetRequestedScopes() {
		ar.GrantScope(scope)
	}
	resources, err := s.requestedResources(r)
	if err != nil {
		s.writeAccessError(ctx, w, ar, err)
		return
	}
	for _, res := range resources {
		ar.GrantAudience(res)
	}
	ar.SetSession(newSession(ar.GetClient().GetID(), time.Time{}))
	resp, err := s.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		s.writeAccessError(ctx, w, ar, err)
		return
	}
	s.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

// handleFlowToken redeems a code or rotates a refresh token. A code or
// refresh token used twice has had its family revoked by the store hooks;
// the caller gets invalid_grant, never a server error.
func (s *Server) handleFlowToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.oauth.NewAccessRequest(ctx, r, newUserSession("", 0))
	if err == nil {
		var resp fosite.AccessResponder
		if resp, err = s.oauth.NewAccessResponse(ctx, ar); err == nil {
			s.oauth.WriteAccessResponse(ctx, w, ar, resp)
			return
		}
	}
	switch {
	case errors.Is(err, authstore.ErrUsed), errors.Is(err, authstore.ErrFamilyRevoked):
		err = fosite.ErrInvalidGrant.WithHint("The code or refresh token was already used; every token issued from it is revoked.")
	case errors.Is(err, errGrantRevoked):
		err = fosite.ErrInvalidGrant.WithHint("The user withdrew or changed this grant.")
	}
	s.writeAccessError(ctx, w, ar, err)
}

// errInvalidBearer is the answer to a caller of the introspection endpoint
// whose bearer token does not verify: RFC 7662 section 2.3 refers to RFC 6750
// section 3, which says 401 invalid_token.
func errInvalidBearer() *fosite.RFC6749Error {
	return &fosite.RFC6749Error{
		ErrorField:       "invalid_token",
		DescriptionField: "The bearer token is invalid, expired or revoked.",
		CodeField:        http.StatusUnauthorized,
	}
}

// writeAccessError answers with an OAuth error, logging server errors and
// challenging for Basic on invalid_client (RFC 6749 section 5.2), or for
// Bearer on invalid_token (RFC 6750 section 3).
func (s *Server) writeAccessError(ctx context.Context, w http.ResponseWriter, ar fosite.AccessRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= http.StatusInternalServerError {
		s.log.ErrorContext(ctx, "token endpoint", logKeyErr, err)
	}
	switch {
	case rfc.CodeField == http.StatusUnauthorized && rfc.ErrorField == "invalid_token":
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	case rfc.CodeField == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="saa", charset="UTF-8"`)
	}
	s.oauth.WriteAccessError(ctx, w, ar, err)
}

// handleIntrospect serves RFC 7662 to callers holding the introspect
// permission.
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.PostForm.Has("access_token") {
		s.writeAccessError(ctx, w, nil, fosite.ErrInvalidRequest.WithHint("Authenticate with client credentials or an Authorization header."))
		return
	}
	if err := s.authorizeIntrospection(ctx, r); err != nil {
		s.writeAccessError(ctx, w, nil, err)
		return
	}
	ir, err := s.oauth.NewIntrospectionRequest(ctx, r, newSession("", time.Time{}))
	if err != nil {
		s.oauth.WriteIntrospectionError(ctx, w, err)
		return
	}
	s.oauth.WriteIntrospectionResponse(ctx, w, ir)
}

// authorizeIntrospection checks the caller: a bearer token granted
// "introspect", or client credentials (HTTP Basic) of a client allowed
// "introspect".
func (s *Server) authorizeIntrospection(ctx context.Context, r *http.Request) error {
	auth := r.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(auth, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		raw, err := BearerToken(r)
		if err != nil {
			return errInvalidBearer()
		}
		p, err := s.verifier.Verify(ctx, raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				return fosite.ErrServerError.WithWrap(err)
			}
			return errInvalidBearer().WithWrap(err)
		}
		if !p.HasScope(ScopeIntrospect) {
			return fosite.ErrRequestForbidden.WithHint("The token lacks the introspect scope.")
		}
		return nil
	case strings.EqualFold(scheme, "Basic"):
		id, secret, err := presentedCredentials(r, nil)
		if err != nil {
			return err
		}
		c, err := s.clients.authenticate(ctx, id, secret)
		if err != nil {
			if rfc := s.clientAuthError(r, id, err); errors.Is(rfc, fosite.ErrServerError) {
				return rfc
			}
			return fosite.ErrInvalidClient.WithHint("The client credentials are invalid.")
		}
		s.recordSuccess(r, id)
		if !slices.Contains(c.Scopes, ScopeIntrospect) {
			return fosite.ErrRequestForbidden.WithHint("The client is not allowed to introspect tokens.")
		}
		return nil
	default:
		// No client authentication at all is invalid_client too (RFC 6749
		// section 5.2), as RFC 7662 section 2.3 refers to it.
		return fosite.ErrInvalidClient.WithHint("Authenticate with HTTP Basic client credentials or a bearer token.")
	}
}

// handleRevoke serves RFC 7009. A client can revoke only its own tokens;
// revoking anything else, or an invalid token, answers 200 and changes
// nothing, as the RFC asks.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := s.oauth.NewRevocationRequest(ctx, r)
	if errors.Is(err, fosite.ErrTemporarilyUnavailable) || errors.Is(err, fosite.ErrServerError) {
		s.log.ErrorContext(ctx, "revoke", logKeyErr, err)
		w.Header().Set("Retry-After", "1")
		problem.Write(w, http.StatusServiceUnavailable, problem.KindUnavailable, "revocation is unavailable; retry later")
		return
	}
	if err != nil && fosite.ErrorToRFC6749Error(err).CodeField == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="saa", charset="UTF-8"`)
	}
	s.oauth.WriteRevocationResponse(ctx, w, err)
	if err == nil {
		s.maybePurge(ctx)
	}
}

// requestedResources returns the RFC 8707 resource parameters of a token
// request, each of which must be PublicURL or one of Config.Resources
// (invalid_target otherwise); none means PublicURL.
func (s *Server) requestedResources(r *http.Request) ([]string, error) {
	asked := r.PostForm["resource"]
	if len(asked) == 0 {
		return []string{s.cfg.PublicURL}, nil
	}
	for _, res := range asked {
		if res != s.cfg.PublicURL && !slices.Contains(s.cfg.Resources, res) {
			return nil, errInvalidTarget
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(asked))), nil
}

// errInvalidTarget is RFC 8707's error for a resource this server does not
// issue tokens for.
var errInvalidTarget = &fosite.RFC6749Error{
	ErrorField:       "invalid_target",
	DescriptionField: "The requested resource is not served by this authorization server.",
	CodeField:        http.StatusBadRequest,
}
