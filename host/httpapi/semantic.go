package httpapi

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/semantic"
)

// maxQuestion bounds the q parameter of /v1/semantic/context, in bytes.
const maxQuestion = 4096

// semanticRoutes mounts the semantic layer under /v1/semantic. Every route
// needs semantic.ScopeRead; what a caller then sees is what its scopes
// unlock (semantic.Access).
func (s *Server) semanticRoutes(r chi.Router) {
	r.Use(s.requireScope(semantic.ScopeRead))
	r.Get("/datasets", s.listDatasets)
	r.Get("/datasets/{name}", s.getDataset)
	r.Get("/context", s.semanticContext)
}

// requireScope answers 403 insufficient_scope to a caller without scope.
func (s *Server) requireScope(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !principal(r).HasScope(scope) {
				s.verifier.Forbid(w, scope)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func access(r *http.Request) semantic.Access { return semantic.WithScopes(principal(r).Scopes) }

// listDatasets serves GET /v1/semantic/datasets.
func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"datasets": s.cfg.Semantic.Summaries(access(r))})
}

// getDataset serves GET /v1/semantic/datasets/{name}: 404 alike for a
// dataset that does not exist and one the caller may not see.
func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) {
	d := s.cfg.Semantic.VisibleDataset(chi.URLParam(r, "name"), access(r))
	if d == nil {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such dataset")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// semanticContext serves GET /v1/semantic/context?q=&budget=.
func (s *Server) semanticContext(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" || len(q) > maxQuestion || !utf8.ValidString(q) {
		problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, "q must be a question of 1 to 4096 bytes of UTF-8")
		return
	}
	budget := 0
	if b := r.URL.Query().Get("budget"); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < semantic.MinBudget || n > semantic.MaxBudget {
			problem.Write(w, http.StatusBadRequest, problem.KindBadRequest,
				"budget must be a number of tokens from "+strconv.Itoa(semantic.MinBudget)+" to "+strconv.Itoa(semantic.MaxBudget))
			return
		}
		budget = n
	}
	writeJSON(w, http.StatusOK, s.cfg.Semantic.Context(q, access(r), budget))
}
