package adminapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/registry"
)

func (a *API) secretRoutes(r chi.Router) {
	r.Get("/secrets", a.listSecrets)
	r.Put("/secrets/{plugin}/{name}", a.putSecret)
	r.Delete("/secrets/{plugin}/{name}", a.deleteSecret)
}

// secretList is the answer of GET /secrets: names and where each goes,
// whether a value is set, never a value.
type secretList struct {
	Secrets []registry.DeclaredSecret `json:"secrets"`
}

// putSecretRequest is the body of PUT /secrets/{plugin}/{name}.
type putSecretRequest struct {
	Value string `json:"value"`
}

func (a *API) listSecrets(w http.ResponseWriter, r *http.Request) {
	all, err := a.secrets.List(r.Context())
	if err != nil {
		a.failRegistry(w, r, err)
		return
	}
	reply(w, http.StatusOK, secretList{Secrets: all})
}

func (a *API) putSecret(w http.ResponseWriter, r *http.Request) {
	var req putSecretRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	id, _ := IdentityFrom(r.Context())
	if err := a.secrets.Put(r.Context(), chi.URLParam(r, "plugin"), chi.URLParam(r, "name"), req.Value, id.Name); err != nil {
		a.failRegistry(w, r, err)
		return
	}
	markRecorded(r)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) deleteSecret(w http.ResponseWriter, r *http.Request) {
	id, _ := IdentityFrom(r.Context())
	if err := a.secrets.Delete(r.Context(), chi.URLParam(r, "plugin"), chi.URLParam(r, "name"), id.Name); err != nil {
		a.failRegistry(w, r, err)
		return
	}
	markRecorded(r)
	w.WriteHeader(http.StatusNoContent)
}
