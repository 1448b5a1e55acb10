package adminui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
)

// minPassword is the shortest password the UI accepts for a new user.
const minPassword = 12

const usersPath = basePath + "/users"

// userRow is one admin user; never the password hash.
type userRow struct {
	Name, Role string
	CreatedAt  time.Time
}

// usersData is the model of the users page. Listed is false when the Users
// service cannot list users.
type usersData struct {
	Listed bool
	Users  []userRow
	Roles  []string
}

func (u *UI) usersPage(w http.ResponseWriter, r *http.Request) {
	d := usersData{Roles: []string{string(authstore.RoleViewer), string(authstore.RoleAdmin), string(authstore.RoleUser)}}
	if l, ok := u.cfg.Users.(UserLister); ok {
		all, err := l.List(r.Context())
		if err != nil {
			u.serverError(w, r, err)
			return
		}
		d.Listed = true
		for _, usr := range all {
			d.Users = append(d.Users, userRow{Name: usr.Name, Role: string(usr.Role), CreatedAt: usr.CreatedAt})
		}
	}
	u.render(w, r, http.StatusOK, "users", view{Title: "Users", Nav: "users", Data: d})
}

// createUser adds a user. The password goes to the Users service, which
// keeps only its argon2id hash.
func (u *UI) createUser(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := authstore.Role(r.PostFormValue("role"))
	password := r.PostFormValue("password")
	if len([]rune(password)) < minPassword {
		u.redirect(w, r, usersPath, problem("Choose a password of at least %d characters.", minPassword))
		return
	}
	err := u.cfg.Users.Create(r.Context(), name, password, role)
	var in *auth.InputError
	switch {
	case errors.As(err, &in):
		u.redirect(w, r, usersPath, problem("%s", inputReason(err)))
		return
	case errors.Is(err, authstore.ErrExists):
		u.redirect(w, r, usersPath, problem("There is already a user called %s.", name))
		return
	case err != nil:
		u.serverError(w, r, err)
		return
	}
	s, _ := sessionFrom(r.Context())
	u.record(r.Context(), s, "user.create", "", "user "+name+" role "+string(role))
	u.redirect(w, r, usersPath, done("Created %s, who can sign in as %s now.", name, role))
}
