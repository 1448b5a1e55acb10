package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// contentSecurityPolicy allows the UI's own stylesheet and images and
// nothing else: no script of any origin, no framing, no foreign form target.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// allowFormTarget widens the page's form-action to origin as well: a form
// whose answer redirects elsewhere (the consent form, or sign-in on the way
// to it, both ending at an agent's redirect URI) is otherwise stopped by
// the browser. origin must be a checked redirect URI's scheme://host[:port].
func allowFormTarget(w http.ResponseWriter, origin string) {
	if origin == "" || strings.ContainsAny(origin, " ;,'\"\r\n") {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+origin, 1))
}

// maxFormBytes bounds a form body; the largest field is a secret value.
const maxFormBytes = 64 << 10

// securityHeaders sets the headers every answer of the UI carries. Pages are
// never cached: they show who may do what, and some show a secret once.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(r.URL.Path, staticPath+"/") {
			h.Set("Cache-Control", "no-store")
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const (
	sessionKeyCtx ctxKey = iota
	sessionIDCtx
)

// sessionFrom returns the session requireSession put in ctx.
func sessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKeyCtx).(Session)
	return s, ok
}

// sessionID returns the id of the request's session, or "".
func sessionID(ctx context.Context) string {
	id, _ := ctx.Value(sessionIDCtx).(string)
	return id
}

// requireSession admits requests of a live session. Without one, a page
// request is sent to sign in (and back afterwards); anything else is refused.
func (u *UI) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := cookieValue(r, sessionCookie)
		s, ok := u.sessions.lookup(id)
		if !ok {
			if id != "" {
				u.clearSessionCookie(w, r)
			}
			if safeMethod(r.Method) {
				http.Redirect(w, r, signinPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			u.fail(w, r, http.StatusForbidden, "Your session has ended. Sign in again, then repeat what you were doing.")
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), sessionKeyCtx, s), sessionIDCtx, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// checkCSRF refuses a state-changing request that does not carry the
// session's CSRF token.
func (u *UI) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if safeMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		s, _ := sessionFrom(r.Context())
		if !tokensMatch(r.PostFormValue(csrfField), s.CSRF) {
			u.log.WarnContext(r.Context(), "form without a valid csrf token", logKeyPath, r.URL.Path, logKeyUser, s.User)
			u.fail(w, r, http.StatusForbidden, "The form did not carry this session's security token. Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireAdmin refuses a state-changing request of a user who may only read.
func (u *UI) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if safeMethod(r.Method) || s.CanWrite() {
			next.ServeHTTP(w, r)
			return
		}
		u.recordDenied(r, s)
		u.fail(w, r, http.StatusForbidden, "Your role ("+string(s.Role)+") may look but not change anything.")
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// requireStaff keeps end users (role user) out of the admin pages
// altogether, reading included: they have /account.
func (u *UI) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if s.Role == authstore.RoleAdmin || s.Role == authstore.RoleViewer {
			next.ServeHTTP(w, r)
			return
		}
		u.recordDenied(r, s)
		u.fail(w, r, http.StatusForbidden, "This area is for administrators. Your account is at "+accountPath+".")
	})
}
