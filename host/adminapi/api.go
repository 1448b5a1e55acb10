// Package adminapi is SAA's admin HTTP API, mounted under /admin/api/v1: the
// management of OAuth clients, published plugins and their review
// (host/registry), plugin secrets, trusted publisher keys and agent
// definitions. Every route
// requires an admin identity: HTTP Basic as an admin user, or a bearer
// access token granted the scope "admin". Users with the viewer role may
// only read. The one exception is POST /plugins, which also admits a bearer
// token granted "plugins:publish" (a publisher, who may submit bundles and
// nothing else). Every state-changing request is recorded in the audit log
// with the identity's name (see RecordChanges).
//
// Handlers are thin: they decode the request, call the host/auth services
// that the CLI and other paths share, and encode the result. This package
// must never put a client secret anywhere but the one response that creates
// or rotates it, and never log a secret, password or token.
package adminapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/registry"
)

// Prefix is where Routes expects to be mounted.
const Prefix = "/admin/api/v1"

// Log attribute keys.
const (
	logKeyMethod = "method"
	logKeyPath   = "path"
	logKeyErr    = "err"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = 64 << 10

// Config wires the API to the authorization server's services.
type Config struct {
	Clients  *auth.Clients
	Users    *auth.Users
	Verifier *auth.Verifier
	// Audit records every state-changing request; nil records nothing.
	Audit *audit.Log
	// Registry serves the /plugins and /publishers routes; nil leaves them out.
	Registry *registry.Registry
	// Secrets serves the /secrets routes; nil leaves them out.
	Secrets *registry.Secrets
	// Keys serves the /keys routes (signing-key rotation); nil leaves them
	// out.
	Keys *auth.KeySet
	// Accounts serves the /oauth-providers routes (providers users connect
	// accounts at); nil leaves them out.
	Accounts *accounts.Service
	// Agents serves the /agents routes (agent definitions); nil leaves
	// them out.
	Agents *agents.Catalog
	// Logger receives the component's logs; slog.Default() if nil.
	Logger *slog.Logger
}

// API serves the admin endpoints.
type API struct {
	clients  *auth.Clients
	users    *auth.Users
	verifier *auth.Verifier
	audit    *audit.Log
	registry *registry.Registry
	secrets  *registry.Secrets
	keys     *auth.KeySet
	accounts *accounts.Service
	agents   *agents.Catalog
	log      *slog.Logger
	// limit applies per-identity request limits after authentication.
	limit func(http.Handler) http.Handler
}

// New returns the API, or an error if a service is missing.
func New(cfg Config) (*API, error) {
	if cfg.Clients == nil || cfg.Users == nil || cfg.Verifier == nil {
		return nil, errors.New("admin api: Clients, Users and Verifier are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &API{
		clients: cfg.Clients, users: cfg.Users, verifier: cfg.Verifier,
		audit: cfg.Audit, registry: cfg.Registry, secrets: cfg.Secrets, keys: cfg.Keys, accounts: cfg.Accounts, agents: cfg.Agents,
		log: cfg.Logger.With("component", "adminapi"),
	}, nil
}

// FromServer returns the API over an authorization server's services.
func FromServer(s *auth.Server, log *slog.Logger) (*API, error) {
	return New(Config{Clients: s.Clients(), Users: s.Users(), Verifier: s.Verifier(), Keys: s.Keys(), Logger: log})
}

// LimitWith makes every route apply mw right after authentication, with
// the identity in the request's context (IdentityFrom): the HTTP server's
// per-client rate and concurrency limits. Call it before Routes.
func (a *API) LimitWith(mw func(http.Handler) http.Handler) { a.limit = mw }

// limited applies the limits set with LimitWith, if any.
func (a *API) limited(next http.Handler) http.Handler {
	if a.limit == nil {
		return next
	}
	return a.limit(next)
}

// Routes mounts the endpoints on r, which is mounted at Prefix:
// r.Route(adminapi.Prefix, api.Routes). POST /plugins is behind
// AuthenticatePublisher, every other route behind Authenticate; all behind
// RecordChanges.
func (a *API) Routes(r chi.Router) {
	if a.registry != nil {
		r.Group(func(r chi.Router) {
			r.Use(a.AuthenticatePublisher, a.limited, a.RecordChanges)
			r.Post("/plugins", a.submitPlugin)
		})
	}
	r.Group(func(r chi.Router) {
		r.Use(a.Authenticate, a.limited, a.RecordChanges)
		r.Route("/clients", a.clientRoutes)
		r.Post("/users", a.createUser)
		if a.registry != nil {
			a.pluginRoutes(r)
		}
		if a.secrets != nil {
			a.secretRoutes(r)
		}
		if a.keys != nil {
			a.keyRoutes(r)
		}
		if a.accounts != nil {
			a.oauthProviderRoutes(r)
		}
		if a.agents != nil {
			a.agentRoutes(r)
		}
	})
}

// Handler serves the API at Prefix, for mounting as a plain http.Handler.
func (a *API) Handler() http.Handler {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such resource")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		problem.Write(w, http.StatusMethodNotAllowed, problem.KindMethodNotAllowed, "method not allowed here")
	})
	r.Route(Prefix, a.Routes)
	return r
}

// decode reads a JSON body into v, refusing unknown fields and trailing data.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem.New(http.StatusBadRequest, problem.KindBadRequest, "the body is not the expected JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.New(http.StatusBadRequest, problem.KindBadRequest, "the body has data after the JSON object")
	}
	return nil
}

// reply writes v as JSON with status. Admin answers may carry secrets, so
// nothing caches them.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers with err mapped to a problem; unexpected errors are logged
// and reported without detail.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Error
	var in *auth.InputError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &in):
		p = problem.New(http.StatusBadRequest, problem.KindBadRequest, in.Reason)
	case errors.Is(err, auth.ErrNotFound):
		p = problem.New(http.StatusNotFound, problem.KindNotFound, "no such client")
	default:
		a.log.ErrorContext(r.Context(), "admin request", logKeyMethod, r.Method, logKeyPath, r.URL.Path, logKeyErr, err)
		p = problem.New(http.StatusInternalServerError, problem.KindInternal, "internal error")
	}
	problem.Write(w, p.Status, p.Kind, p.Detail)
}
