package adminapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/problem"
)

// oauthProviderRoutes serve the OAuth providers users connect accounts at.
// A client secret goes in and never comes out.
func (a *API) oauthProviderRoutes(r chi.Router) {
	r.Get("/oauth-providers", a.listOAuthProviders)
	r.Post("/oauth-providers", a.createOAuthProvider)
	r.Get("/oauth-providers/{name}", a.getOAuthProvider)
	r.Put("/oauth-providers/{name}", a.putOAuthProvider)
	r.Delete("/oauth-providers/{name}", a.deleteOAuthProvider)
}

// oauthProviderRequest is the body of POST /oauth-providers (with name) and
// PUT /oauth-providers/{name}. Empty URLs come from the preset; an empty
// client_secret keeps the stored one.
type oauthProviderRequest struct {
	Name         string            `json:"name"`
	Preset       string            `json:"preset"`
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret"`
	AuthURL      string            `json:"auth_url"`
	TokenURL     string            `json:"token_url"`
	Scopes       []string          `json:"scopes"`
	AuthParams   map[string]string `json:"auth_params"`
}

// oauthProviderView is a provider as the API shows it: no client secret,
// only whether one is set, and the redirect URI to register at the provider.
type oauthProviderView struct {
	accounts.Provider
	HasClientSecret bool   `json:"has_client_secret"`
	CallbackURL     string `json:"callback_url"`
}

type oauthProviderList struct {
	Providers []oauthProviderView `json:"providers"`
	Presets   []string            `json:"presets"`
}

func (a *API) view(p accounts.Provider) oauthProviderView {
	pub, has := p.Public()
	return oauthProviderView{Provider: pub, HasClientSecret: has, CallbackURL: a.accounts.CallbackURL(p.Name)}
}

func (a *API) listOAuthProviders(w http.ResponseWriter, r *http.Request) {
	ps, err := a.accounts.Store().Providers(r.Context())
	if err != nil {
		a.failAccounts(w, r, err)
		return
	}
	out := oauthProviderList{Providers: make([]oauthProviderView, 0, len(ps)), Presets: accounts.Presets()}
	for _, p := range ps {
		out.Providers = append(out.Providers, a.view(p))
	}
	reply(w, http.StatusOK, out)
}

func (a *API) getOAuthProvider(w http.ResponseWriter, r *http.Request) {
	p, err := a.accounts.Store().Provider(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		a.failAccounts(w, r, err)
		return
	}
	reply(w, http.StatusOK, a.view(p))
}

func (a *API) createOAuthProvider(w http.ResponseWriter, r *http.Request) {
	var req oauthProviderRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.accounts.Store().Provider(r.Context(), req.Name); err == nil {
		problem.Write(w, http.StatusConflict, problem.KindConflict, "a provider of that name exists; PUT it to change it")
		return
	}
	a.setOAuthProvider(w, r, req, http.StatusCreated)
}

func (a *API) putOAuthProvider(w http.ResponseWriter, r *http.Request) {
	var req oauthProviderRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	name := chi.URLParam(r, "name")
	if req.Name != "" && req.Name != name {
		problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, "name: differs from the path")
		return
	}
	req.Name = name
	a.setOAuthProvider(w, r, req, http.StatusOK)
}

func (a *API) setOAuthProvider(w http.ResponseWriter, r *http.Request, req oauthProviderRequest, status int) {
	p, err := a.accounts.SetProvider(r.Context(), accounts.Provider{
		Name: req.Name, Preset: req.Preset, ClientID: req.ClientID, ClientSecret: req.ClientSecret,
		AuthURL: req.AuthURL, TokenURL: req.TokenURL, Scopes: req.Scopes, AuthParams: req.AuthParams,
	})
	if err != nil {
		a.failAccounts(w, r, err)
		return
	}
	stored, err := a.accounts.Store().Provider(r.Context(), p.Name)
	if err != nil {
		a.failAccounts(w, r, err)
		return
	}
	reply(w, status, a.view(stored))
}

func (a *API) deleteOAuthProvider(w http.ResponseWriter, r *http.Request) {
	if err := a.accounts.Store().DeleteProvider(r.Context(), chi.URLParam(r, "name")); err != nil {
		a.failAccounts(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// failAccounts maps the accounts package's errors to problems.
func (a *API) failAccounts(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, accounts.ErrProviderNotFound):
		err = problem.New(http.StatusNotFound, problem.KindNotFound, "no such oauth provider")
	case errors.Is(err, accounts.ErrInvalidProvider):
		// The message names the field and the reason, never a value.
		err = problem.New(http.StatusBadRequest, problem.KindBadRequest, strings.TrimPrefix(err.Error(), accounts.ErrInvalidProvider.Error()+": "))
	}
	a.fail(w, r, err)
}
