package adminui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/manifests"
)

// clientRow is one line of the clients page.
type clientRow struct {
	ID, Name, Status, StatusClass string
	Grants                        string
	CreatedAt                     time.Time
}

// clientData is the model of one client's page.
type clientData struct {
	ID, Name, Status, StatusClass string
	Active                        bool
	CreatedAt, RotatedAt          time.Time
	Scopes                        []string
	// Secret is set only on the one view after creation or rotation.
	Secret string
	Grant  grantForm
}

// newClientData is the model of the create form, refilled after an error.
type newClientData struct {
	Name  string
	Error string
	Grant grantForm
}

func clientStatusClass(status string) string {
	if status == "active" {
		return badgeOK
	}
	return badgeBad
}

func (u *UI) clientsPage(w http.ResponseWriter, r *http.Request) {
	all, err := u.cfg.Clients.List(r.Context())
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	running := u.cfg.Runtime.Plugins()
	rows := make([]clientRow, 0, len(all))
	for _, c := range all {
		rows = append(rows, clientRow{
			ID: c.ID, Name: c.Name, Status: c.Status, StatusClass: clientStatusClass(c.Status),
			Grants: joinOrNone(grantedActions(running, c.Scopes)), CreatedAt: c.CreatedAt,
		})
	}
	u.render(w, r, http.StatusOK, "clients", view{Title: "Clients", Nav: "clients", Data: rows})
}

func (u *UI) newClientPage(w http.ResponseWriter, r *http.Request) {
	d := newClientData{Grant: buildGrantForm(u.cfg.Runtime.Plugins(), nil)}
	u.render(w, r, http.StatusOK, "client_new", view{Title: "New client", Nav: "clients", Data: d})
}

func (u *UI) createClient(w http.ResponseWriter, r *http.Request) {
	running := u.cfg.Runtime.Plugins()
	name := strings.TrimSpace(r.PostFormValue("name"))
	scopes, err := scopesFor(running, postValues(r, fieldAction), postValues(r, fieldScope))
	if err != nil {
		u.renderNewClient(w, r, newClientData{Name: name, Error: capitalize(err.Error()) + "."}, running, nil)
		return
	}
	c, secret, err := u.cfg.Clients.Create(r.Context(), name, scopes)
	var in *auth.InputError
	switch {
	case errors.As(err, &in):
		u.renderNewClient(w, r, newClientData{Name: name, Error: inputReason(err)}, running, scopes)
		return
	case err != nil:
		u.serverError(w, r, err)
		return
	}
	s, _ := sessionFrom(r.Context())
	u.record(r.Context(), s, "client.create", "", "client "+c.ID+" scopes="+strings.Join(c.Scopes, " "))
	u.sessions.setReveal(sessionID(r.Context()), reveal{ClientID: c.ID, Secret: secret})
	u.redirect(w, r, clientPath(c.ID), done("Created client %s.", c.Name))
}

// renderNewClient shows the create form again with what was entered.
func (u *UI) renderNewClient(w http.ResponseWriter, r *http.Request, d newClientData, running []*manifests.Manifest, scopes []string) {
	d.Grant = buildGrantForm(running, scopes)
	u.render(w, r, http.StatusUnprocessableEntity, "client_new", view{Title: "New client", Nav: "clients", Data: d})
}

// postValues returns every value of the form field key.
func postValues(r *http.Request, key string) []string {
	if err := r.ParseForm(); err != nil {
		return nil
	}
	return r.PostForm[key]
}

// inputReason is the part of an input error safe and useful to show.
func inputReason(err error) string {
	var in *auth.InputError
	if errors.As(err, &in) {
		return capitalize(in.Reason) + "."
	}
	return capitalize(err.Error())
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (u *UI) clientPage(w http.ResponseWriter, r *http.Request) {
	c, err := u.cfg.Clients.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		u.clientFailure(w, r, err)
		return
	}
	d := clientData{
		ID: c.ID, Name: c.Name, Status: c.Status, StatusClass: clientStatusClass(c.Status),
		Active: c.Status == "active", CreatedAt: c.CreatedAt, RotatedAt: c.RotatedAt, Scopes: c.Scopes,
		Grant: buildGrantForm(u.cfg.Runtime.Plugins(), c.Scopes),
	}
	d.Secret, _ = u.sessions.takeReveal(sessionID(r.Context()), c.ID)
	u.render(w, r, http.StatusOK, "client", view{Title: "Client " + c.Name, Nav: "clients", Data: d})
}

func (u *UI) updateClientScopes(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	scopes, err := scopesFor(u.cfg.Runtime.Plugins(), postValues(r, fieldAction), postValues(r, fieldScope))
	if err != nil {
		u.redirect(w, r, clientPath(id), problem("%s", capitalize(err.Error())+"."))
		return
	}
	u.clientChange(w, r, "client.scopes", "Saved what the client may do.", func() (auth.Client, error) {
		return u.cfg.Clients.UpdateScopes(r.Context(), id, scopes)
	})
}

func (u *UI) disableClient(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	u.clientChange(w, r, "client.disable", "Disabled the client; its tokens no longer work.", func() (auth.Client, error) {
		return u.cfg.Clients.Disable(r.Context(), id)
	})
}

func (u *UI) enableClient(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	u.clientChange(w, r, "client.enable", "Enabled the client.", func() (auth.Client, error) {
		return u.cfg.Clients.Enable(r.Context(), id)
	})
}

func (u *UI) rotateClientSecret(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	u.clientChange(w, r, "client.rotate_secret", "Replaced the secret; the old one and its tokens no longer work.", func() (auth.Client, error) {
		c, secret, err := u.cfg.Clients.RotateSecret(r.Context(), id)
		if err == nil {
			u.sessions.setReveal(sessionID(r.Context()), reveal{ClientID: c.ID, Secret: secret})
		}
		return c, err
	})
}

// clientChange runs one change to a client, records it, and goes back to
// the client's page.
func (u *UI) clientChange(w http.ResponseWriter, r *http.Request, action, okMsg string, change func() (auth.Client, error)) {
	c, err := change()
	var in *auth.InputError
	switch {
	case errors.As(err, &in):
		u.redirect(w, r, clientPath(chi.URLParam(r, "id")), problem("%s", inputReason(err)))
		return
	case err != nil:
		u.clientFailure(w, r, err)
		return
	}
	s, _ := sessionFrom(r.Context())
	u.record(r.Context(), s, action, "", "client "+c.ID+" scopes="+strings.Join(c.Scopes, " ")+" status="+c.Status)
	u.redirect(w, r, clientPath(c.ID), done("%s", okMsg))
}

func (u *UI) deleteClient(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if r.PostFormValue("confirm") != "yes" {
		u.redirect(w, r, clientPath(id), problem("Tick the box to confirm the deletion."))
		return
	}
	if err := u.cfg.Clients.Delete(r.Context(), id); err != nil {
		u.clientFailure(w, r, err)
		return
	}
	s, _ := sessionFrom(r.Context())
	u.record(r.Context(), s, "client.delete", "", "client "+id)
	u.redirect(w, r, basePath+"/clients", done("Deleted client %s.", id))
}

func (u *UI) clientFailure(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, auth.ErrNotFound) {
		u.notFound(w, r)
		return
	}
	u.serverError(w, r, err)
}

func clientPath(id string) string { return basePath + "/clients/" + url.PathEscape(id) }
