package adminui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/secure-agent/saa/host/registry"
)

const secretsPath = basePath + "/secrets"

func (u *UI) secretsPage(w http.ResponseWriter, r *http.Request) {
	declared, err := u.cfg.Secrets.List(r.Context())
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	plugins, err := u.allPlugins(r.Context())
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	rows := buildSecrets(declared, plugins)
	u.render(w, r, http.StatusOK, "secrets", view{Title: "Secrets", Nav: "secrets", Data: rows})
}

// putSecret stores a value. The value goes from the form to the sealed
// store and nowhere else: not to the log, the audit entry or the next page.
// The secrets service records the change.
func (u *UI) putSecret(w http.ResponseWriter, r *http.Request) {
	plugin, name := secretRef(r)
	s, _ := sessionFrom(r.Context())
	if err := u.cfg.Secrets.Put(r.Context(), plugin, name, r.PostFormValue("value"), s.User); err != nil {
		u.secretFailure(w, r, err)
		return
	}
	u.redirect(w, r, secretsPath, done("Stored the value of %s/%s.", plugin, name))
}

func (u *UI) deleteSecret(w http.ResponseWriter, r *http.Request) {
	plugin, name := secretRef(r)
	s, _ := sessionFrom(r.Context())
	if err := u.cfg.Secrets.Delete(r.Context(), plugin, name, s.User); err != nil {
		u.secretFailure(w, r, err)
		return
	}
	u.redirect(w, r, secretsPath, done("Deleted the value of %s/%s.", plugin, name))
}

func secretRef(r *http.Request) (plugin, name string) {
	return strings.TrimSpace(r.PostFormValue("plugin")), strings.TrimSpace(r.PostFormValue("name"))
}

func (u *UI) secretFailure(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, registry.ErrInvalidInput):
		u.redirect(w, r, secretsPath, problem("Enter a value of 1 to 8192 bytes."))
	case errors.Is(err, registry.ErrNotFound):
		u.redirect(w, r, secretsPath, problem("No plugin declares that secret."))
	default:
		u.serverError(w, r, err)
	}
}
