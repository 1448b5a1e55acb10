package adminui

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
)

// maxNameInput bounds a user name typed at sign-in.
const maxNameInput = 200

// signinData is the model of the sign-in page.
type signinData struct {
	// Token is the double-submit token of the form.
	Token string
	Next  string
	User  string
	Error string
	// Signup links to self sign-up when it is open.
	Signup bool
}

// signinPage shows the form with a fresh double-submit token. A signed-in
// visitor goes straight on.
func (u *UI) signinPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if s, ok := u.sessions.lookup(cookieValue(r, sessionCookie)); ok {
		http.Redirect(w, r, landing(s.Role, next), http.StatusSeeOther)
		return
	}
	u.renderSignin(w, r, http.StatusOK, signinData{Next: next})
}

// renderSignin shows the form with the browser's double-submit token, or a
// new one, so that two open sign-in tabs both work.
func (u *UI) renderSignin(w http.ResponseWriter, r *http.Request, status int, d signinData) {
	token := cookieValue(r, signinCookie)
	if !wellFormedToken(token) {
		var err error
		if token, err = randomToken(); err != nil {
			u.serverError(w, r, err)
			return
		}
	}
	u.setSigninCookie(w, r, token)
	allowFormTarget(w, u.returnOrigin(r, d.Next))
	d.Token, d.Signup = token, u.cfg.Signup
	u.render(w, r, status, "signin", view{Title: "Sign in", Data: d})
}

// signin checks the double-submit token, then the password, and starts a
// session under a new id.
func (u *UI) signin(w http.ResponseWriter, r *http.Request) {
	if !tokensMatch(r.PostFormValue(csrfField), cookieValue(r, signinCookie)) {
		u.fail(w, r, http.StatusForbidden, "The sign-in form has expired or did not come from this site. Open the sign-in page again.")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	d := signinData{Next: safeNext(r.PostFormValue("next")), User: name}
	if name == "" || len(name) > maxNameInput {
		d.Error = "Enter your user name and password."
		u.renderSignin(w, r, http.StatusUnauthorized, d)
		return
	}
	usr, err := u.cfg.Users.Authenticate(r.Context(), name, r.PostFormValue("password"), clientAddr(r))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		secs := int(math.Ceil(throttled.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		d.Error = "Too many failed sign-ins. Try again in " + strconv.Itoa(secs) + " seconds."
		u.renderSignin(w, r, http.StatusTooManyRequests, d)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		d.Error = "The user name or password is not right."
		u.renderSignin(w, r, http.StatusUnauthorized, d)
		return
	case err != nil:
		u.serverError(w, r, err)
		return
	}
	id, s, err := u.sessions.create(usr.Name, usr.Role)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.clearSigninCookie(w, r)
	u.setSessionCookie(w, r, id)
	u.record(r.Context(), s, "admin.signin", "", "role "+string(s.Role))
	http.Redirect(w, r, landing(s.Role, d.Next), http.StatusSeeOther)
}

// signout ends the session.
func (u *UI) signout(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	u.sessions.end(sessionID(r.Context()))
	u.clearSessionCookie(w, r)
	u.record(r.Context(), s, "admin.signout", "", "")
	http.Redirect(w, r, signinPath, http.StatusSeeOther)
}

// safeNext returns next if it is a path of the UI (the admin pages, the
// account pages or the authorization endpoint), else the dashboard, so that
// the sign-in form cannot be used to redirect anywhere else.
func safeNext(next string) string {
	if next == "" || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, signinPath) {
		return basePath
	}
	for _, root := range []string{basePath, accountPath, auth.AuthorizePath} {
		if rest, ok := strings.CutPrefix(next, root); ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
			return next
		}
	}
	return basePath
}

// landing is where a session of role goes after sign-in: a user never to
// the admin pages.
func landing(role authstore.Role, next string) string {
	if role == authstore.RoleUser && (next == basePath || strings.HasPrefix(next, basePath+"/") || strings.HasPrefix(next, basePath+"?")) {
		return accountPath
	}
	return next
}

// clientAddr is the peer address, the key of the per-source throttle. Behind
// a proxy every request shares the proxy's address; the per-user slow-down
// still applies.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
