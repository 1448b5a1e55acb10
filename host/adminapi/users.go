package adminapi

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/problem"
)

// minPassword is the shortest password the API accepts for a new user, as
// the UI does.
const minPassword = 12

// createUserRequest is the body of POST /users.
type createUserRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

// userCreated is the answer of POST /users: never the password or its hash.
type userCreated struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// createUser adds an admin, a viewer or an end user ("user").
func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if len([]rune(req.Password)) < minPassword {
		a.fail(w, r, problem.New(http.StatusBadRequest, problem.KindBadRequest, "the password needs at least 12 characters"))
		return
	}
	err := a.users.Create(r.Context(), req.Name, req.Password, authstore.Role(req.Role))
	if errors.Is(err, authstore.ErrExists) {
		err = problem.New(http.StatusConflict, problem.KindConflict, "a user with that name exists")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", r.URL.Path+"/"+url.PathEscape(req.Name))
	reply(w, http.StatusCreated, userCreated{Name: req.Name, Role: req.Role})
}
