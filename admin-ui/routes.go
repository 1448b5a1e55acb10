package adminui

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
)

// routes assembles the handler tree: every answer gets the security
// headers and Go's cross-origin check; pages need a session; forms need its
// CSRF token; changes need the admin role.
func (u *UI) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(securityHeaders, http.NewCrossOriginProtection().Handler)
	r.NotFound(u.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, http.StatusMethodNotAllowed, "This page does not accept that request.")
	})

	r.Handle(apiPath, http.NotFoundHandler())
	r.Handle(apiPath+"/*", http.NotFoundHandler())
	r.Method(http.MethodGet, staticPath+"/*", u.assets)
	r.Get(signinPath, u.signinPage)
	r.Post(signinPath, u.signin)
	r.Get(basePath+"/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, basePath, http.StatusMovedPermanently)
	})

	if u.cfg.Signup {
		r.Get(signupPath, u.signupPage)
		r.Post(signupPath, u.signup)
	}
	if u.cfg.Accounts != nil {
		r.Get(connectionsPath+"/{provider}/callback", u.connectCallback)
	}

	r.Group(func(r chi.Router) {
		r.Use(u.requireSession, u.checkCSRF)
		r.Post(basePath+"/signout", u.signout)
		if u.cfg.Accounts != nil {
			r.Route(connectionsPath, u.connectionRoutes)
		}
		if u.cfg.Authorizer != nil {
			r.Get(auth.AuthorizePath, u.authorize)
			r.Post(auth.AuthorizePath, u.consent)
			r.Get(accountPath, u.accountPage)
			r.Post(accountPath+"/grants/{client}/revoke", u.revokeGrant)
			if u.cfg.Agents != nil {
				r.Post(accountApprovalsPath+"/{id}/{call}", u.decideMine)
			}
		}
		r.Group(func(r chi.Router) {
			r.Use(u.requireStaff, u.requireAdmin)
			r.Get(basePath, u.dashboard)
			r.Route(basePath+"/plugins", u.pluginRoutes)
			r.Route(basePath+"/clients", u.clientRoutes)
			r.Route(basePath+"/secrets", u.secretRoutes)
			r.Route(basePath+"/users", u.userRoutes)
			r.Route(basePath+"/audit", u.auditRoutes)
			if u.cfg.Agents != nil {
				r.Route(runsPath, u.runRoutes)
			}
		})
	})
	return r
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request) {
	u.fail(w, r, http.StatusNotFound, "There is no such page.")
}

func (u *UI) pluginRoutes(r chi.Router) {
	r.Get("/", u.pluginsPage)
	r.Get("/{plugin}", u.pluginPage)
	r.Post("/{plugin}/enable", u.enablePlugin)
	r.Post("/{plugin}/disable", u.disablePlugin)
	r.Get("/{plugin}/versions/{version}", u.reviewPage)
	r.Post("/{plugin}/versions/{version}/approve", u.approveVersion)
	r.Post("/{plugin}/versions/{version}/reject", u.rejectVersion)
	r.Post("/{plugin}/versions/{version}/rollback", u.rollbackVersion)
}

func (u *UI) clientRoutes(r chi.Router) {
	r.Get("/", u.clientsPage)
	r.Get("/new", u.newClientPage)
	r.Post("/", u.createClient)
	r.Get("/{id}", u.clientPage)
	r.Post("/{id}/scopes", u.updateClientScopes)
	r.Post("/{id}/disable", u.disableClient)
	r.Post("/{id}/enable", u.enableClient)
	r.Post("/{id}/rotate-secret", u.rotateClientSecret)
	r.Post("/{id}/delete", u.deleteClient)
}

func (u *UI) secretRoutes(r chi.Router) {
	r.Get("/", u.secretsPage)
	r.Post("/", u.putSecret)
	r.Post("/delete", u.deleteSecret)
}

func (u *UI) userRoutes(r chi.Router) {
	r.Get("/", u.usersPage)
	r.Post("/", u.createUser)
}

func (u *UI) auditRoutes(r chi.Router) {
	r.Get("/", u.auditPage)
	r.Get("/verify", u.verifyPage)
}
