package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/problem"
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p host.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal Authenticate put in ctx.
func PrincipalFrom(ctx context.Context) (host.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(host.Principal)
	return p, ok
}

// ErrNoToken is returned by BearerToken when the request carries no bearer
// token in its Authorization header.
var ErrNoToken = errors.New("no bearer token")

// ErrTokenMisplaced is returned by BearerToken when the request presents a
// token in a way SAA refuses: in the query string, or in several headers.
var ErrTokenMisplaced = errors.New("access token presented outside the Authorization header")

// Authenticate lets a request through only with a valid bearer access token
// in the Authorization header, and puts its principal in the request context.
// A token in the query string or the body is never read.
func (v *Verifier) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := v.authenticate(w, r)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// authenticate verifies the request's bearer token, or answers it with the
// right challenge and returns false.
func (v *Verifier) authenticate(w http.ResponseWriter, r *http.Request) (host.Principal, bool) {
	raw, err := BearerToken(r)
	if err != nil {
		v.Challenge(w, err)
		return host.Principal{}, false
	}
	p, err := v.Verify(r.Context(), raw)
	if err != nil {
		v.Challenge(w, err)
		return host.Principal{}, false
	}
	return p, true
}

// RequireScopes lets a request through only if its principal holds every one
// of scopes; it authenticates the request first if no principal is in the
// context yet.
func (v *Verifier) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PrincipalFrom(r.Context())
			if !ok {
				if p, ok = v.authenticate(w, r); !ok {
					return
				}
				r = r.WithContext(WithPrincipal(r.Context(), p))
			}
			for _, s := range scopes {
				if !p.HasScope(s) {
					v.Forbid(w, scopes...)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// BearerToken returns the token of the request's single
// "Authorization: Bearer" header. A request that also carries access_token in
// its query string is refused, so such tokens are never used, even alongside
// a good header. The body is never read.
func BearerToken(r *http.Request) (string, error) {
	if r.URL.Query().Has("access_token") {
		return "", fmt.Errorf("%w: access_token in the query string", ErrTokenMisplaced)
	}
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", ErrNoToken
	}
	if len(values) > 1 {
		return "", fmt.Errorf("%w: several Authorization headers", ErrTokenMisplaced)
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrNoToken
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrInvalidToken)
	}
	return token, nil
}

// Challenge answers a request whose authentication failed with err: 401 with
// a WWW-Authenticate challenge naming the resource metadata (RFC 9728), or
// 503 if the deny-list could not be read. Nothing of err reaches the body.
// Every 401 is the problem type invalid-token; the challenge tells the cases
// apart as RFC 6750 section 3.1 asks: no error code when no token was sent,
// invalid_request when it was sent where SAA does not read it, invalid_token
// when it does not verify.
func (v *Verifier) Challenge(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNoToken):
		w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Bearer resource_metadata=%q`, v.resourceMetadata))
		problem.Write(w, http.StatusUnauthorized, problem.KindInvalidToken, "a bearer access token is required in the Authorization header")
	case errors.Is(err, ErrTokenMisplaced):
		w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_request", resource_metadata=%q`, v.resourceMetadata))
		problem.Write(w, http.StatusUnauthorized, problem.KindInvalidToken, "send the access token in the Authorization header only")
	case errors.Is(err, ErrInvalidToken):
		w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", resource_metadata=%q`, v.resourceMetadata))
		problem.Write(w, http.StatusUnauthorized, problem.KindInvalidToken, "the access token is invalid, expired or revoked")
	default:
		problem.Write(w, http.StatusServiceUnavailable, problem.KindUnavailable, "cannot check the access token now; retry later")
	}
}

// Forbid answers 403 for a principal lacking some of needed (RFC 6750
// insufficient_scope); use it where the needed scopes are known only inside
// a handler.
func (v *Verifier) Forbid(w http.ResponseWriter, needed ...string) {
	w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope=%q, resource_metadata=%q`,
		strings.Join(needed, " "), v.resourceMetadata))
	problem.Write(w, http.StatusForbidden, problem.KindInsufficientScope, "the access token lacks a required scope")
}
