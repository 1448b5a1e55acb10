// Package audithttp serves the audit log on the admin API:
//
//	GET /audit          entries, filtered by query parameters, one page per call
//	GET /audit/verify   the result of verifying the whole hash chain
//
// Routes registers them relative to the router it is given; the server mounts
// them under /admin/api/v1 behind the admin authentication of host/adminapi.
// This package authenticates no one: it must never be mounted outside that
// guard. Handlers only translate HTTP to audit.Log calls and back.
package audithttp

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/problem"
)

// Routes registers the audit endpoints on r.
func Routes(r chi.Router, log *audit.Log) {
	h := handlers{log: log, logger: slog.Default().With("component", "audithttp")}
	r.Get("/audit", h.list)
	r.Get("/audit/verify", h.verify)
}

type handlers struct {
	log    *audit.Log
	logger *slog.Logger
}

// listResponse is the body of GET /audit.
type listResponse struct {
	Entries []audit.Entry `json:"entries"`
	// NextCursor, when present, is the cursor parameter of the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

func (h handlers) list(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query())
	if err != nil {
		problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, err.Error())
		return
	}
	page, err := h.log.List(r.Context(), f)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	resp := listResponse{Entries: page.Entries}
	if page.Next != 0 {
		resp.NextCursor = strconv.FormatUint(page.Next, 10)
		next := *r.URL
		q := next.Query()
		q.Set("cursor", resp.NextCursor)
		next.RawQuery = q.Encode()
		w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
	}
	writeJSON(w, resp)
}

func (h handlers) verify(w http.ResponseWriter, r *http.Request) {
	rep, err := h.log.Verify(r.Context())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, rep)
}

func (h handlers) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.logger.ErrorContext(r.Context(), "audit request failed", "path", r.URL.Path, "err", err)
	problem.Write(w, http.StatusInternalServerError, problem.KindInternal, "internal error")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
