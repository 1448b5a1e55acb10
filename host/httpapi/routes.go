package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/audit/audithttp"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/problem"
)

// routes assembles the handler tree. Every route passes through the request
// id, panic recovery, and the access log with its metrics; /v1 adds bearer
// authentication, then the client's limits.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(withRequestID, s.logAndMeasure, s.recoverPanics, securityHeaders)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such resource")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		problem.Write(w, http.StatusMethodNotAllowed, problem.KindMethodNotAllowed, "method not allowed here")
	})

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", s.metrics.Handler())
	r.Get("/openapi.json", s.openAPI)
	docs := s.docs()
	r.Method(http.MethodGet, "/docs", docs)
	r.Method(http.MethodGet, "/docs/*", docs)

	r.Group(func(r chi.Router) {
		r.Use(s.countTokens)
		s.cfg.Auth.Routes(r)
	})
	if s.cfg.Admin != nil {
		r.Route(adminapi.Prefix, s.adminRoutes)
	}
	if s.cfg.AdminUI != nil {
		r.Handle("/admin", s.cfg.AdminUI)
		r.Handle("/admin/*", s.cfg.AdminUI)
		// The user's connected accounts are the UI's pages too.
		r.Handle("/account/connections", s.cfg.AdminUI)
		r.Handle("/account/connections/*", s.cfg.AdminUI)
	}

	if s.cfg.MCP != nil {
		s.cfg.MCP.Routes(r, s.limit)
	}

	r.Route("/v1", func(r chi.Router) {
		r.Use(s.verifier.Authenticate, s.limit)
		r.Get("/actions", s.listActions)
		r.Post("/actions/{plugin}/{action}", s.invoke)
		r.Get("/runs/{id}", s.getRun)
		s.ragRoutes(r)
		if s.cfg.Semantic != nil {
			r.Route("/semantic", s.semanticRoutes)
		}
		s.agentRoutes(r)
	})
	if s.cfg.Agents != nil {
		r.Route("/ap/v1/agent", func(r chi.Router) {
			r.Use(s.verifier.Authenticate, s.limit)
			s.apRoutes(r)
		})
	}
	return r
}

// adminRoutes mounts the admin API and, behind the same authentication, the
// audit log, the clients' limits and their webhook secrets.
func (s *Server) adminRoutes(r chi.Router) {
	s.cfg.Admin.Routes(r)
	r.Group(func(r chi.Router) {
		r.Use(s.cfg.Admin.Authenticate, s.limitAdmin, s.cfg.Admin.RecordChanges)
		audithttp.Routes(r, s.rt.Audit())
		s.limitRoutes(r)
		if s.cfg.Runs != nil {
			r.Get("/webhook-secrets/{client_id}", s.webhookSecret)
		}
	})
}

// securityHeaders are safe on every answer of an API server.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// countTokens counts the access tokens the token endpoint issues: every 200
// answer to POST /oauth2/token is one token.
func (s *Server) countTokens(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != auth.TokenPath {
			next.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusOK {
			s.metrics.tokens.Inc()
		}
	})
}

// limit applies the authenticated client's rate and concurrency limits.
func (s *Server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveLimited(w, r, principal(r).ClientID, next)
	})
}

// limitAdmin applies the same limits to the admin API's authenticated
// identity: a client's own (as on /v1), or the defaults for a signed-in
// user, keyed "user:<name>" so that no client id can collide with it.
func (s *Server) limitAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := adminapi.IdentityFrom(r.Context())
		key := id.ClientID
		if key == "" {
			key = "user:" + id.Name
		}
		s.serveLimited(w, r, key, next)
	})
}

// serveLimited serves r with next within the limits of key, or answers 429.
func (s *Server) serveLimited(w http.ResponseWriter, r *http.Request, key string, next http.Handler) {
	info(r.Context()).client = key
	release, d := s.limiter.acquire(r.Context(), key)
	if d != nil {
		w.Header().Set("Retry-After", itoa(retryAfterSeconds(d.retryAfter)))
		problem.Write(w, http.StatusTooManyRequests, d.kind, "the client's "+limitName(d.kind)+" limit was reached; retry later")
		return
	}
	defer release()
	next.ServeHTTP(w, r)
}

func limitName(kind string) string {
	if kind == KindConcurrencyLimit {
		return "concurrency"
	}
	return "rate"
}
