package adminapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/problem"
)

func (a *API) clientRoutes(r chi.Router) {
	r.Get("/", a.listClients)
	r.Post("/", a.createClient)
	r.Get("/{id}", a.getClient)
	r.Patch("/{id}", a.patchClient)
	r.Post("/{id}/rotate-secret", a.rotateSecret)
	r.Delete("/{id}", a.deleteClient)
}

// createClientRequest is the body of POST /clients.
type createClientRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// RedirectURIs and Public are for agents acting for users through the
	// authorization code flow.
	RedirectURIs []string `json:"redirect_uris"`
	Public       bool     `json:"public"`
}

// patchClientRequest is the body of PATCH /clients/{id}; absent fields are
// left as they are.
type patchClientRequest struct {
	Scopes *[]string `json:"scopes"`
	Status *string   `json:"status"`
}

// clientWithSecret is a client as created or rotated: the only answers that
// ever carry its secret.
type clientWithSecret struct {
	auth.Client
	// ClientSecret is empty for a public client, which has none.
	ClientSecret string `json:"client_secret,omitempty"`
}

// clientList is the answer of GET /clients.
type clientList struct {
	Clients []auth.Client `json:"clients"`
}

func (a *API) createClient(w http.ResponseWriter, r *http.Request) {
	var req createClientRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	c, secret, err := a.clients.CreateWith(r.Context(), auth.ClientSpec{
		Name: req.Name, Scopes: req.Scopes, RedirectURIs: req.RedirectURIs, Public: req.Public,
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.ID)
	reply(w, http.StatusCreated, clientWithSecret{Client: c, ClientSecret: secret})
}

func (a *API) listClients(w http.ResponseWriter, r *http.Request) {
	all, err := a.clients.List(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, clientList{Clients: all})
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) {
	c, err := a.clients.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, c)
}

func (a *API) patchClient(w http.ResponseWriter, r *http.Request) {
	var req patchClientRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Scopes == nil && req.Status == nil {
		a.fail(w, r, problem.New(http.StatusBadRequest, problem.KindBadRequest, "set scopes, status or both"))
		return
	}
	c, err := a.applyPatch(r, chi.URLParam(r, "id"), req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, c)
}

// applyPatch applies a disable first and an enable last, so a client is
// never active with scopes about to be taken away, and a request that
// disables and narrows at once leaves the client disabled even if the scope
// change fails.
func (a *API) applyPatch(r *http.Request, id string, req patchClientRequest) (auth.Client, error) {
	var c auth.Client
	var err error
	if req.Status != nil && *req.Status != "active" && *req.Status != "disabled" {
		return c, problem.New(http.StatusBadRequest, problem.KindBadRequest, `status must be "active" or "disabled"`)
	}
	if req.Status != nil && *req.Status == "disabled" {
		if c, err = a.clients.SetStatus(r.Context(), id, *req.Status); err != nil {
			return c, err
		}
		req.Status = nil
	}
	if req.Scopes != nil {
		if c, err = a.clients.UpdateScopes(r.Context(), id, *req.Scopes); err != nil {
			return c, err
		}
	}
	if req.Status != nil {
		c, err = a.clients.SetStatus(r.Context(), id, *req.Status)
	}
	return c, err
}

func (a *API) rotateSecret(w http.ResponseWriter, r *http.Request) {
	c, secret, err := a.clients.RotateSecret(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, clientWithSecret{Client: c, ClientSecret: secret})
}

func (a *API) deleteClient(w http.ResponseWriter, r *http.Request) {
	if err := a.clients.Delete(r.Context(), chi.URLParam(r, "id")); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
