package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/rag"
)

// Problem kinds of handles.
const (
	KindInvalidQuery     = "invalid-query"
	KindEmbedderMismatch = "embedder-mismatch"
)

// ragRoutes mounts search and expansion of handles. A handle is answered
// only for the principal whose call made it: anyone else gets 404 whatever
// scopes the token holds, so no scope is asked for here.
func (s *Server) ragRoutes(r chi.Router) {
	r.Get("/rag/{handle}/search", s.ragSearch)
	r.Get("/rag/{handle}/chunks/{id}", s.ragChunks)
}

// ragSearch serves GET /v1/rag/{handle}/search?q=&k=&contains=.
func (s *Server) ragSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	k, perr := intParam(q.Get("k"), "k")
	if perr != nil {
		problem.WriteError(w, perr)
		return
	}
	handle := chi.URLParam(r, "handle")
	hits, err := s.rt.Search(r.Context(), principal(r), handle, rag.SearchOptions{Query: q.Get("q"), K: k, Contains: q.Get("contains")})
	if err != nil {
		problem.WriteError(w, ragError(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"handle": handle, "hits": hits})
}

// ragChunks serves GET /v1/rag/{handle}/chunks/{id}?neighbours=.
func (s *Server) ragChunks(w http.ResponseWriter, r *http.Request) {
	id, perr := intParam(chi.URLParam(r, "id"), "id")
	n, nerr := intParam(r.URL.Query().Get("neighbours"), "neighbours")
	if perr == nil {
		perr = nerr
	}
	if perr != nil {
		problem.WriteError(w, perr)
		return
	}
	handle := chi.URLParam(r, "handle")
	chunks, err := s.rt.Chunks(r.Context(), principal(r), handle, id, n)
	if err != nil {
		problem.WriteError(w, ragError(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"handle": handle, "chunks": chunks})
}

// intParam parses an optional non-negative integer parameter; "" is 0.
func intParam(v, name string) (int, *problem.Error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, problem.New(http.StatusBadRequest, KindInvalidQuery, name+" must be a non-negative integer")
	}
	return n, nil
}

// ragError maps an error of the runtime's handle methods to a problem.
func ragError(err error) *problem.Error {
	switch {
	case errors.Is(err, host.ErrHandleNotFound):
		return problem.New(http.StatusNotFound, problem.KindNotFound, "no such handle")
	case errors.Is(err, host.ErrNoChunk):
		return problem.New(http.StatusNotFound, problem.KindNotFound, err.Error())
	case errors.Is(err, host.ErrInvalidQuery):
		return problem.New(http.StatusBadRequest, KindInvalidQuery, err.Error())
	case errors.Is(err, host.ErrEmbedderMismatch):
		return problem.New(http.StatusConflict, KindEmbedderMismatch, "the handle was embedded by another embedder than the one configured now")
	}
	return problem.New(http.StatusInternalServerError, problem.KindInternal, "internal error")
}

// prefersHandle reports whether the client asked for the output as a handle
// (Prefer: return=handle, RFC 7240's "return" preference with SAA's value),
// and its over=n parameter if any: a handle only for outputs over n bytes.
func prefersHandle(r *http.Request) (bool, int64, *problem.Error) {
	for _, v := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(v, ",") {
			params := strings.Split(pref, ";")
			name, value, _ := strings.Cut(strings.TrimSpace(params[0]), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "return") || !strings.EqualFold(strings.Trim(strings.TrimSpace(value), `"`), "handle") {
				continue
			}
			var over int64
			for _, p := range params[1:] {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(strings.TrimSpace(k), "over") {
					continue
				}
				n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(v), `"`), 10, 64)
				if err != nil || n < 0 {
					return false, 0, problem.New(http.StatusBadRequest, problem.KindBadRequest, "Prefer: return=handle; over= must be a non-negative number of bytes")
				}
				over = n
			}
			return true, over, nil
		}
	}
	return false, 0, nil
}
