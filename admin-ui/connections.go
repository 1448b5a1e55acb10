package adminui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/accounts"
)

// connectionsPath is the signed-in user's connected accounts.
const connectionsPath = "/account/connections"

// Accounts is what the UI needs of the connected-accounts service
// (*accounts.Service). The UI never sees a token.
type Accounts interface {
	Connections(ctx context.Context, subject string) ([]accounts.Connection, error)
	Begin(ctx context.Context, subject, provider string, scopes []string) (string, error)
	Complete(ctx context.Context, subject, provider string, cb accounts.Callback) error
	Disconnect(ctx context.Context, subject, provider string) error
}

var _ Accounts = (*accounts.Service)(nil)

// providerName is a provider's name, as accounts.Provider checks it.
var providerName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// connectionRoutes serve /account/connections to any signed-in user, for
// their own accounts only: the subject is always the session's user.
func (u *UI) connectionRoutes(r chi.Router) {
	r.Get("/", u.connectionsPage)
	r.Get("/{provider}/connect", u.connect)
	r.Get("/{provider}/finish", u.finishConnect)
	r.Post("/{provider}/disconnect", u.disconnect)
}

// connectionRow is one provider on the page.
type connectionRow struct {
	accounts.Connection
	// UsedBy lists the plugins with a per-user secret from this provider.
	UsedBy []string
}

func (u *UI) connectionsPage(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	cs, err := u.cfg.Accounts.Connections(r.Context(), s.User)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	rows := make([]connectionRow, len(cs))
	for i, c := range cs {
		rows[i] = connectionRow{Connection: c, UsedBy: u.pluginsUsing(c.Provider)}
	}
	u.render(w, r, http.StatusOK, "connections", view{Title: "Connected accounts", Nav: "connections", Data: rows})
}

// connect sends the user to the provider to connect their account, asking
// for the scopes every plugin that uses the provider declares.
func (u *UI) connect(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	provider := chi.URLParam(r, "provider")
	to, err := u.cfg.Accounts.Begin(r.Context(), s.User, provider, u.scopesFor(provider))
	if errors.Is(err, accounts.ErrProviderNotFound) {
		u.fail(w, r, http.StatusNotFound, "No such provider is configured.")
		return
	}
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// connectCallback is where the provider sends the user back. The session
// cookie is SameSite=Strict, so it does not come with this cross-site
// navigation: the page only checks the query's shape and moves on, by a
// same-site navigation that carries the cookie, to finish, which completes
// the connection for the session's user.
func (u *UI) connectCallback(w http.ResponseWriter, r *http.Request) {
	cb, err := accounts.ParseCallback(r.URL.Query())
	provider := chi.URLParam(r, "provider")
	if err != nil || !providerName.MatchString(provider) {
		u.fail(w, r, http.StatusBadRequest, "The provider's answer was malformed. Start connecting again.")
		return
	}
	q := url.Values{"state": {cb.State}}
	if cb.Code != "" {
		q.Set("code", cb.Code)
	} else {
		q.Set("error", cb.Error)
	}
	next := connectionsPath + "/" + provider + "/finish?" + q.Encode()
	u.render(w, r, http.StatusOK, "connect_continue", view{Title: "Connecting", Data: next})
}

// finishConnect completes the connection the session's user started.
func (u *UI) finishConnect(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	provider := chi.URLParam(r, "provider")
	cb, err := accounts.ParseCallback(r.URL.Query())
	if err == nil {
		err = u.cfg.Accounts.Complete(r.Context(), s.User, provider, cb)
	}
	switch {
	case err == nil:
		u.redirect(w, r, connectionsPath, done("Connected your %s account.", provider))
	case errors.Is(err, accounts.ErrCallback), errors.Is(err, accounts.ErrState):
		u.redirect(w, r, connectionsPath, problem("That connection was not started here by you, was already used, or took too long. Connect again."))
	case errors.Is(err, accounts.ErrProvider), errors.Is(err, accounts.ErrProviderNotFound):
		u.log.WarnContext(r.Context(), "connect account", logKeyUser, s.User, logKeyErr, err)
		u.redirect(w, r, connectionsPath, problem("%s did not connect your account. Try again.", provider))
	default:
		u.serverError(w, r, err)
	}
}

func (u *UI) disconnect(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	provider := chi.URLParam(r, "provider")
	err := u.cfg.Accounts.Disconnect(r.Context(), s.User, provider)
	switch {
	case err == nil:
		u.redirect(w, r, connectionsPath, done("Disconnected your %s account.", provider))
	case errors.Is(err, accounts.ErrNotConnected):
		u.redirect(w, r, connectionsPath, problem("Your %s account was not connected.", provider))
	default:
		u.serverError(w, r, err)
	}
}

// pluginsUsing returns the plugins with a per-user secret from provider.
func (u *UI) pluginsUsing(provider string) []string {
	var out []string
	for _, m := range u.cfg.Runtime.Plugins() {
		for _, s := range m.PerUserSecrets() {
			if s.OAuth.Provider == provider && !slices.Contains(out, m.Name) {
				out = append(out, m.Name)
			}
		}
	}
	return out
}

// scopesFor returns the scopes the plugins' per-user secrets ask of provider.
func (u *UI) scopesFor(provider string) []string {
	var out []string
	for _, m := range u.cfg.Runtime.Plugins() {
		for _, s := range m.PerUserSecrets() {
			if s.OAuth.Provider != provider {
				continue
			}
			for _, sc := range s.OAuth.Scopes {
				if !slices.Contains(out, sc) {
					out = append(out, sc)
				}
			}
		}
	}
	return out
}
