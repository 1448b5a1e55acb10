package adminui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/manifests"
)

// maxReason bounds a rejection reason.
const maxReason = 500

func (u *UI) pluginsPage(w http.ResponseWriter, r *http.Request) {
	d, err := u.allPlugins(r.Context())
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "plugins", view{Title: "Plugins", Nav: "plugins", Data: d})
}

// allPlugins lists the registry's plugins, if there is a registry, and the
// local ones.
func (u *UI) allPlugins(ctx context.Context) (pluginsData, error) {
	var published []registry.Plugin
	if u.cfg.Registry != nil {
		var err error
		if published, err = u.cfg.Registry.List(ctx); err != nil {
			return pluginsData{}, err
		}
	}
	return buildPlugins(published, u.cfg.Runtime.Plugins()), nil
}

func (u *UI) pluginPage(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "plugin")
	if u.cfg.Registry != nil {
		p, err := u.cfg.Registry.Get(r.Context(), name)
		if err == nil {
			d := buildPublished(p)
			if pub, err := u.cfg.Registry.Publisher(r.Context(), p.Publisher); err == nil {
				d.Owners = pub.Owners
			}
			u.render(w, r, http.StatusOK, "plugin", view{Title: p.Name, Nav: "plugins", Data: d})
			return
		}
		if !errors.Is(err, registry.ErrNotFound) {
			u.serverError(w, r, err)
			return
		}
	}
	if m := u.running(name); m != nil {
		u.render(w, r, http.StatusOK, "plugin", view{Title: m.Name, Nav: "plugins", Data: buildLocal(m)})
		return
	}
	u.notFound(w, r)
}

// running returns the manifest of the running plugin called name, or nil.
func (u *UI) running(name string) *manifests.Manifest {
	for _, m := range u.cfg.Runtime.Plugins() {
		if m.Name == name {
			return m
		}
	}
	return nil
}

func (u *UI) reviewPage(w http.ResponseWriter, r *http.Request) {
	if u.cfg.Registry == nil {
		u.notFound(w, r)
		return
	}
	name := chi.URLParam(r, "plugin")
	p, err := u.cfg.Registry.Get(r.Context(), name)
	var v registry.Version
	if err == nil {
		v, err = u.cfg.Registry.Version(r.Context(), name, chi.URLParam(r, "version"))
	}
	if err != nil {
		u.registryFailure(w, r, err)
		return
	}
	d := buildReview(v, p.Active)
	u.render(w, r, http.StatusOK, "review", view{Title: "Review " + v.Plugin + " " + v.Version, Nav: "plugins", Data: d})
}

func (u *UI) approveVersion(w http.ResponseWriter, r *http.Request) {
	name, version := chi.URLParam(r, "plugin"), chi.URLParam(r, "version")
	u.pluginChange(w, r, "Approved "+name+" "+version+": it now serves calls.", func(reg Registry, admin string) error {
		return reg.Approve(r.Context(), name, version, admin)
	})
}

func (u *UI) rejectVersion(w http.ResponseWriter, r *http.Request) {
	name, version := chi.URLParam(r, "plugin"), chi.URLParam(r, "version")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		u.redirect(w, r, versionPath(name, version),
			problem("Give a reason for the rejection (at most %d characters): the publisher will see it.", maxReason))
		return
	}
	u.pluginChange(w, r, "Rejected "+name+" "+version+".", func(reg Registry, admin string) error {
		return reg.Reject(r.Context(), name, version, admin, reason)
	})
}

func (u *UI) rollbackVersion(w http.ResponseWriter, r *http.Request) {
	name, version := chi.URLParam(r, "plugin"), chi.URLParam(r, "version")
	u.pluginChange(w, r, "Rolled "+name+" back to "+version+".", func(reg Registry, admin string) error {
		return reg.Rollback(r.Context(), name, version, admin)
	})
}

func (u *UI) enablePlugin(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "plugin")
	u.pluginChange(w, r, "Enabled "+name+".", func(reg Registry, admin string) error {
		return reg.Enable(r.Context(), name, admin)
	})
}

func (u *UI) disablePlugin(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "plugin")
	u.pluginChange(w, r, "Disabled "+name+": new calls are refused.", func(reg Registry, admin string) error {
		return reg.Disable(r.Context(), name, admin)
	})
}

// pluginChange runs one registry decision for the signed-in admin, then
// goes back to the plugin's page with what happened; a refusal goes back to
// the page the form was on, with the registry's reason. The registry
// records the decision in the audit log.
func (u *UI) pluginChange(w http.ResponseWriter, r *http.Request, okMsg string, change func(reg Registry, admin string) error) {
	if u.cfg.Registry == nil {
		u.notFound(w, r)
		return
	}
	s, _ := sessionFrom(r.Context())
	name, version := chi.URLParam(r, "plugin"), chi.URLParam(r, "version")
	err := change(u.cfg.Registry, s.User)
	switch {
	case err == nil:
		u.redirect(w, r, pluginPath(name), done("%s", okMsg))
	case refusal(err):
		back := pluginPath(name)
		if version != "" {
			back = versionPath(name, version)
		}
		u.redirect(w, r, back, problem("%s", err.Error()))
	default:
		u.registryFailure(w, r, err)
	}
}

// refusal reports whether err is the registry declining a decision for a
// reason its message explains to the admin.
func refusal(err error) bool {
	return errors.Is(err, registry.ErrConflict) || errors.Is(err, registry.ErrNotApproved) ||
		errors.Is(err, registry.ErrSignatureRequired) || errors.Is(err, registry.ErrInvalidInput)
}

// registryFailure answers a registry error that is not a refusal.
func (u *UI) registryFailure(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, registry.ErrNotFound) {
		u.notFound(w, r)
		return
	}
	u.serverError(w, r, err)
}

func pluginPath(name string) string {
	return basePath + "/plugins/" + url.PathEscape(name)
}

func versionPath(name, version string) string {
	return pluginPath(name) + "/versions/" + url.PathEscape(version)
}
