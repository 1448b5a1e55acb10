package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/ory/fosite"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/hostscope"
)

// AuthorizePath is the authorization endpoint (RFC 6749 section 3.1). Its
// pages (sign-in, consent) are the admin UI's; this package parses and
// answers the protocol.
const AuthorizePath = "/oauth2/authorize"

// oauthParams are the authorization request parameters that may each
// appear once (RFC 6749 section 3.1).
var oauthParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "response_mode", "prompt",
}

// ErrFlowOff is returned when the store cannot hold the code flow's records.
var ErrFlowOff = errors.New("the authorization code flow is not enabled on this server")

// AuthorizeError is an authorization request that must not be answered by
// redirecting to the client: the client or its redirect URI could not be
// trusted (RFC 6749 section 4.1.2.1), so the user is shown Reason instead.
type AuthorizeError struct {
	Reason string
}

func (e *AuthorizeError) Error() string { return "authorization request: " + e.Reason }

// AuthorizeRequest is a checked authorization request waiting for the
// user's decision.
type AuthorizeRequest struct {
	ar          fosite.AuthorizeRequester
	ClientID    string
	ClientName  string
	RedirectURI string
	State       string
	// Scopes are the scopes asked for, each allowed to the client.
	Scopes []string
	// Params are the request's OAuth parameters, for a consent form to
	// carry back to this endpoint.
	Params url.Values
	// ForceConsent is prompt=consent: ask even if a grant covers the scopes.
	ForceConsent bool
}

// ParseAuthorize checks an authorization request. An *AuthorizeError (with
// a nil request) must be shown to the user; any other error goes back to the
// client with WriteAuthorizeError. Checked here, besides what fosite checks:
// the client is known and active; redirect_uri is present and registered
// (redirectAllowed); every parameter appears once; response_type is code in
// the query response mode; PKCE with S256; and no scope lies in a host
// namespace, which a user may never delegate.
func (s *Server) ParseAuthorize(ctx context.Context, r *http.Request) (*AuthorizeRequest, error) {
	if s.flows == nil {
		return nil, &AuthorizeError{Reason: ErrFlowOff.Error()}
	}
	if err := r.ParseForm(); err != nil {
		return nil, &AuthorizeError{Reason: "the request could not be parsed"}
	}
	if err := s.checkClientAndRedirect(ctx, r.Form); err != nil {
		return nil, err
	}
	ar, err := s.oauth.NewAuthorizeRequest(ctx, r)
	if err != nil {
		if ar == nil || !ar.IsRedirectURIValid() {
			return nil, &AuthorizeError{Reason: fosite.ErrorToRFC6749Error(err).GetDescription()}
		}
		return &AuthorizeRequest{ar: ar, RedirectURI: r.Form.Get("redirect_uri")}, err
	}
	req := newAuthorizeRequest(ar, r.Form)
	if c, err := s.cfg.Store.GetClient(ctx, req.ClientID); err == nil {
		req.ClientName = c.Name
	}
	return req, checkAuthorizeParams(r.Form, req.Scopes)
}

func newAuthorizeRequest(ar fosite.AuthorizeRequester, form url.Values) *AuthorizeRequest {
	params := url.Values{}
	for _, k := range oauthParams {
		if form.Has(k) {
			params.Set(k, form.Get(k))
		}
	}
	return &AuthorizeRequest{
		ar: ar, ClientID: ar.GetClient().GetID(), RedirectURI: form.Get("redirect_uri"),
		State: ar.GetState(), Scopes: slices.Clone([]string(ar.GetRequestedScopes())),
		Params: params, ForceConsent: form.Get("prompt") == "consent",
	}
}

// checkClientAndRedirect refuses, before anything could be redirected, an
// unknown or disabled client, a missing or unregistered redirect_uri, and
// repeated parameters.
func (s *Server) checkClientAndRedirect(ctx context.Context, form url.Values) error {
	for _, k := range oauthParams {
		if len(form[k]) > 1 {
			return &AuthorizeError{Reason: "the parameter " + k + " appears more than once"}
		}
	}
	if form.Has("request") || form.Has("request_uri") {
		return &AuthorizeError{Reason: "request objects are not supported"}
	}
	c, err := s.cfg.Store.GetClient(ctx, form.Get("client_id"))
	if errors.Is(err, authstore.ErrNotFound) || (err == nil && c.Status != authstore.ClientActive) {
		return &AuthorizeError{Reason: "the application asking is not registered here, or is disabled"}
	}
	if err != nil {
		return err
	}
	if !redirectAllowed(form.Get("redirect_uri"), c.RedirectURIs, c.Public) {
		return &AuthorizeError{Reason: "the application's redirect URI is missing or not registered for it"}
	}
	return nil
}

// checkAuthorizeParams checks what fosite leaves open; its errors go back
// to the (now trusted) redirect URI.
func checkAuthorizeParams(form url.Values, scopes []string) error {
	switch {
	case form.Get("response_type") != "code":
		return fosite.ErrUnsupportedResponseType.WithHint("Only response_type=code is supported.")
	case form.Get("response_mode") != "" && form.Get("response_mode") != "query":
		return fosite.ErrUnsupportedResponseMode.WithHint("Only the query response mode is supported.")
	case form.Get("code_challenge") == "":
		return fosite.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge with code_challenge_method=S256.")
	case form.Get("code_challenge_method") != "S256":
		return fosite.ErrInvalidRequest.WithHint("Only the S256 code_challenge_method is supported.")
	case len(scopes) == 0:
		return fosite.ErrInvalidScope.WithHint("Request at least one scope.")
	}
	for _, sc := range scopes {
		if !hostscope.UserGrantable(sc) {
			return fosite.ErrInvalidScope.WithHintf("The scope %q cannot be granted by a user.", sc)
		}
	}
	return nil
}

// WriteAuthorizeError sends err back to the client's redirect URI, with the
// request's state. req must come from ParseAuthorize.
func (s *Server) WriteAuthorizeError(ctx context.Context, w http.ResponseWriter, req *AuthorizeRequest, err error) {
	if rfc := fosite.ErrorToRFC6749Error(err); rfc.CodeField >= http.StatusInternalServerError {
		s.log.ErrorContext(ctx, "authorize", logKeyErr, err)
	}
	s.oauth.WriteAuthorizeError(ctx, w, req.ar, err)
}

// NeedsConsent reports whether user must be asked: unless prompt=consent,
// a standing grant covering every requested scope answers at once.
func (s *Server) NeedsConsent(ctx context.Context, req *AuthorizeRequest, user string) (bool, error) {
	if req.ForceConsent {
		return true, nil
	}
	covered, err := s.grants.covers(ctx, user, req.ClientID, req.Scopes)
	return !covered, err
}

// Approve records user's consent to the granted scopes (those of the
// request the user left ticked), issues a code bound to them, and redirects
// to the client with it and the state. On error nothing was written: pass
// it to WriteAuthorizeError.
func (s *Server) Approve(ctx context.Context, w http.ResponseWriter, req *AuthorizeRequest, user string, granted []string) error {
	var scopes []string
	for _, sc := range req.Scopes {
		if slices.Contains(granted, sc) {
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) == 0 {
		return fosite.ErrAccessDenied.WithHint("No scope was granted.")
	}
	if user == "" || user == req.ClientID {
		return fosite.ErrAccessDenied.WithHint("This user cannot grant access to this client.")
	}
	g, err := s.grants.record(ctx, user, req.ClientID, req.Scopes, scopes)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	for _, sc := range scopes {
		req.ar.GrantScope(sc)
	}
	req.ar.GrantAudience(s.cfg.PublicURL)
	resp, err := s.oauth.NewAuthorizeResponse(ctx, req.ar, newUserSession(user, g.Generation))
	if err != nil {
		return err
	}
	s.oauth.WriteAuthorizeResponse(ctx, w, req.ar, resp)
	return nil
}

// Deny answers the client with access_denied.
func (s *Server) Deny(ctx context.Context, w http.ResponseWriter, req *AuthorizeRequest) {
	s.oauth.WriteAuthorizeError(ctx, w, req.ar, fosite.ErrAccessDenied.WithHint("The user declined."))
}

// Grants returns the users' consents service, or nil when the code flow is
// off.
func (s *Server) Grants() *Grants { return s.grants }

// CodeFlow reports whether the authorization code flow is served.
func (s *Server) CodeFlow() bool { return s.flows != nil }
