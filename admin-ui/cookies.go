package adminui

import (
	"crypto/subtle"
	"net/http"
	"time"
)

// Cookie names. Both are HttpOnly and SameSite=Strict, and Secure when the
// UI is served over TLS. The session cookie's path is "/": the same sign-in
// serves /admin, /account and the authorization endpoint's consent page,
// and no other path reads it.
const (
	// sessionCookie carries the session id.
	sessionCookie = "saa_admin_session"
	// signinCookie carries the double-submit token of the sign-in form,
	// which runs before there is a session.
	signinCookie = "saa_admin_signin"
	// signupCookie carries the double-submit token of the sign-up form.
	signupCookie = "saa_signup"
)

// sessionCookiePath is the session cookie's path: /admin, /account and
// the consent page.
const sessionCookiePath = "/"

// csrfField is the form field that carries the CSRF token.
const csrfField = "csrf_token"

// signinTokenLife bounds how long a sign-in form stays usable.
const signinTokenLife = time.Hour

// secureRequest reports whether cookies for r must be Secure: the public URL
// is https or the request itself came over TLS.
func (u *UI) secureRequest(r *http.Request) bool {
	return u.httpsPublic || r.TLS != nil
}

func (u *UI) setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: sessionCookiePath,
		HttpOnly: true, Secure: u.secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

func (u *UI) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: sessionCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: u.secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

func (u *UI) setSigninCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: signinCookie, Value: token, Path: signinPath, MaxAge: int(signinTokenLife.Seconds()),
		HttpOnly: true, Secure: u.secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

func (u *UI) clearSigninCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: signinCookie, Value: "", Path: signinPath, MaxAge: -1,
		HttpOnly: true, Secure: u.secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

// cookieValue returns the value of the cookie called name, or "".
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// tokensMatch compares a submitted token with the expected one in constant
// time; an empty expected token never matches.
func tokensMatch(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setFormCookie sets a double-submit token cookie for the form at path.
func (u *UI) setFormCookie(w http.ResponseWriter, r *http.Request, name, path, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: token, Path: path, MaxAge: int(signinTokenLife.Seconds()),
		HttpOnly: true, Secure: u.secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}
