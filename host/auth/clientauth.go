package auth

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ory/fosite"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/problem"
)

// maxFormBytes bounds the body of an OAuth endpoint request.
const maxFormBytes = 64 << 10

// guard prepares an OAuth endpoint request: it bounds and parses the form,
// refuses credentials or tokens sent in the query string, answers 429 while
// the source address is throttled, and waits its turn while the presented
// client ID is being guessed at (see throttle.Guard: the right secret from
// another address still gets in).
func (s *Server) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			s.oauth.WriteAccessError(r.Context(), w, nil, fosite.ErrInvalidRequest.WithHint("The request body could not be parsed."))
			return
		}
		q := r.URL.Query()
		if q.Has("client_secret") || q.Has("access_token") || q.Has("token") {
			s.oauth.WriteAccessError(r.Context(), w, nil, fosite.ErrInvalidRequest.WithHint("Credentials and tokens are accepted in the request body only."))
			return
		}
		id, _, _ := presentedCredentials(r, r.PostForm)
		wait, err := s.attempts.Admit(r.Context(), clientKey(id), sourceOf(r))
		if err != nil {
			return // the client went away while waiting its turn
		}
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			problem.Write(w, http.StatusTooManyRequests, problem.KindTooManyRequests, "too many failed client authentications; retry later")
			return
		}
		next(w, r)
	}
}

// clientKey is the throttle identity of a client ID; "" for none.
func clientKey(id string) string {
	if id == "" {
		return ""
	}
	return "client:" + id
}

// recordFailure counts a failed client authentication against the source,
// and against the client ID when that client exists (so unknown IDs cannot
// fill the table).
func (s *Server) recordFailure(r *http.Request, clientID string, err error) {
	if errors.Is(err, authstore.ErrNotFound) {
		clientID = ""
	}
	s.attempts.Failed(clientKey(clientID), sourceOf(r))
}

// recordSuccess lets the source skip the client's slow mode from now on.
func (s *Server) recordSuccess(r *http.Request, clientID string) {
	s.attempts.Succeeded(clientKey(clientID), sourceOf(r))
}

// sourceOf is the request's peer address. Behind a proxy this is the proxy:
// whoever mounts these handlers decides whether to trust forwarding headers
// and rewrite RemoteAddr.
func sourceOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// presentedCredentials returns the client credentials of r, from HTTP Basic
// (client_secret_basic, form-url-decoded per RFC 6749 section 2.3.1) or the
// body (client_secret_post). Using both is an error.
func presentedCredentials(r *http.Request, form url.Values) (id, secret string, err error) {
	basicID, basicSecret, basic := r.BasicAuth()
	postID, postSecret := form.Get("client_id"), form.Get("client_secret")
	switch {
	case basic && postSecret != "":
		return basicID, "", fosite.ErrInvalidRequest.WithHint("Use one client authentication method, not two.")
	case basic:
		if id, err = url.QueryUnescape(basicID); err != nil {
			return "", "", fosite.ErrInvalidClient.WithHint("The client ID could not be decoded.")
		}
		if secret, err = url.QueryUnescape(basicSecret); err != nil {
			return id, "", fosite.ErrInvalidClient.WithHint("The client secret could not be decoded.")
		}
		return id, secret, nil
	default:
		return postID, postSecret, nil
	}
}

// authenticateClient is fosite's client authentication: client_secret_basic
// or client_secret_post against the SHA-256 digest, nothing else.
func (s *Server) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (fosite.Client, error) {
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		return nil, fosite.ErrInvalidClient.WithHint("Client assertions are not supported.")
	}
	id, secret, err := presentedCredentials(r, form)
	if err != nil {
		return nil, err
	}
	if id != "" && secret == "" && !hasBasic(r) {
		if c, ok := s.publicClient(ctx, id); ok {
			return toFositeClient(c, s.cfg.PublicURL), nil
		}
	}
	if id == "" || secret == "" {
		s.recordFailure(r, "", authstore.ErrNotFound)
		return nil, fosite.ErrInvalidClient.WithHint("Client authentication is required.")
	}
	c, err := s.clients.authenticate(ctx, id, secret)
	if err != nil {
		return nil, s.clientAuthError(r, id, err)
	}
	s.recordSuccess(r, id)
	return toFositeClient(c, s.cfg.PublicURL), nil
}

// clientAuthError records an authentication failure and returns the OAuth
// error to answer; a store failure is a server error, not a failure.
func (s *Server) clientAuthError(r *http.Request, id string, err error) error {
	if errors.Is(err, authstore.ErrNotFound) || errors.Is(err, ErrSecretMismatch) || errors.Is(err, ErrClientDisabled) {
		s.recordFailure(r, id, err)
		return fosite.ErrInvalidClient.WithWrap(err)
	}
	s.log.ErrorContext(r.Context(), "client authentication", logKeyErr, err)
	return fosite.ErrServerError.WithWrap(err)
}

// publicClient returns the active public client id, which authenticates
// with its client_id alone (RFC 6749 section 2.1): what it may do is bounded
// by PKCE and by its grant types, authorization_code and refresh_token.
func (s *Server) publicClient(ctx context.Context, id string) (authstore.Client, bool) {
	c, err := s.cfg.Store.GetClient(ctx, id)
	if err != nil || !c.Public || c.Status != authstore.ClientActive {
		return authstore.Client{}, false
	}
	return c, true
}

func hasBasic(r *http.Request) bool {
	_, _, ok := r.BasicAuth()
	return ok
}
