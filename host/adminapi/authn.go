package adminapi

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/problem"
)

// basicChallenge invites HTTP Basic sign-in on 401 answers.
const basicChallenge = `Basic realm="saa-admin", charset="UTF-8"`

// Identity is who an admin request runs as.
type Identity struct {
	// Name is the user name, or "client:<id>" for a bearer token.
	Name string
	Role authstore.Role
	// ClientID is set when the request carried a bearer token.
	ClientID string
}

type identityKey struct{}

// IdentityFrom returns the identity Authenticate put in ctx.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// Authenticate admits a request signed in with HTTP Basic as a user, or
// carrying a bearer token granted "admin"; viewers may only use safe methods.
// The bearer path never runs the (deliberately slow) password hash.
func (a *API) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := a.identify(w, r)
		if !ok {
			return
		}
		if id.Role == authstore.RoleUser {
			// End users consent on /account; the admin API is never theirs.
			problem.Write(w, http.StatusForbidden, problem.KindForbidden, "this user may not use the admin API")
			return
		}
		if id.Role != authstore.RoleAdmin && !safeMethod(r.Method) {
			problem.Write(w, http.StatusForbidden, problem.KindForbidden, "this user may only read")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// identify establishes the identity or answers the request and returns false.
func (a *API) identify(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		return a.identifyUser(w, r)
	case strings.EqualFold(scheme, "Bearer"):
		return a.identifyClient(w, r)
	default:
		w.Header().Add("WWW-Authenticate", basicChallenge)
		a.verifier.Challenge(w, auth.ErrNoToken)
		return Identity{}, false
	}
}

func (a *API) identifyUser(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	name, password, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", basicChallenge)
		problem.Write(w, http.StatusUnauthorized, problem.KindUnauthorized, "malformed Basic credentials")
		return Identity{}, false
	}
	u, err := a.users.Authenticate(r.Context(), name, password, source(r))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(throttled.RetryAfter.Seconds()))))
		problem.Write(w, http.StatusTooManyRequests, problem.KindTooManyRequests, "too many failed sign-ins; retry later")
		return Identity{}, false
	case errors.Is(err, auth.ErrBadCredentials):
		w.Header().Set("WWW-Authenticate", basicChallenge)
		problem.Write(w, http.StatusUnauthorized, problem.KindUnauthorized, "bad user name or password")
		return Identity{}, false
	case err != nil:
		a.fail(w, r, err)
		return Identity{}, false
	}
	return Identity{Name: u.Name, Role: u.Role}, true
}

func (a *API) identifyClient(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	raw, err := auth.BearerToken(r)
	if err != nil {
		a.verifier.Challenge(w, err)
		return Identity{}, false
	}
	p, err := a.verifier.Verify(r.Context(), raw)
	if err != nil {
		a.verifier.Challenge(w, err)
		return Identity{}, false
	}
	if !p.HasScope(auth.ScopeAdmin) {
		a.verifier.Forbid(w, auth.ScopeAdmin)
		return Identity{}, false
	}
	return Identity{Name: "client:" + p.ClientID, Role: authstore.RoleAdmin, ClientID: p.ClientID}, true
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// source is the peer address; see auth's note on proxies.
func source(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
