package adminui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
)

// signupData is the model of the sign-up page.
type signupData struct {
	Token, Next, User, Error string
}

// signupPage offers self sign-up (SAA_SIGNUP=open) with a fresh
// double-submit token, like the sign-in form.
func (u *UI) signupPage(w http.ResponseWriter, r *http.Request) {
	u.renderSignup(w, r, http.StatusOK, signupData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (u *UI) renderSignup(w http.ResponseWriter, r *http.Request, status int, d signupData) {
	token := cookieValue(r, signupCookie)
	if !wellFormedToken(token) {
		var err error
		if token, err = randomToken(); err != nil {
			u.serverError(w, r, err)
			return
		}
	}
	u.setFormCookie(w, r, signupCookie, signupPath, token)
	d.Token = token
	u.render(w, r, status, "signup", view{Title: "Create an account", Data: d})
}

// signup creates a user of role user and signs it in. Only that role can
// be had this way.
func (u *UI) signup(w http.ResponseWriter, r *http.Request) {
	if !tokensMatch(r.PostFormValue(csrfField), cookieValue(r, signupCookie)) {
		u.fail(w, r, http.StatusForbidden, "The sign-up form has expired or did not come from this site. Open it again.")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	d := signupData{Next: safeNext(r.PostFormValue("next")), User: name}
	if len([]rune(password)) < minPassword {
		d.Error = "Choose a password of at least 12 characters."
		u.renderSignup(w, r, http.StatusBadRequest, d)
		return
	}
	err := u.cfg.Users.Create(r.Context(), name, password, authstore.RoleUser)
	var in *auth.InputError
	switch {
	case errors.As(err, &in):
		d.Error = in.Reason
		u.renderSignup(w, r, http.StatusBadRequest, d)
		return
	case errors.Is(err, authstore.ErrExists):
		d.Error = "That name is taken."
		u.renderSignup(w, r, http.StatusConflict, d)
		return
	case err != nil:
		u.serverError(w, r, err)
		return
	}
	id, s, err := u.sessions.create(name, authstore.RoleUser)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.setSessionCookie(w, r, id)
	u.record(r.Context(), s, "account.signup", "", "")
	http.Redirect(w, r, landing(s.Role, d.Next), http.StatusSeeOther)
}
