package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/problem"
)

// listActions serves GET /v1/actions: the actions the token may call, or with
// ?format=openai the same as OpenAI function-calling tools.
func (s *Server) listActions(w http.ResponseWriter, r *http.Request) {
	actions := catalog(s.rt.Plugins(), principal(r))
	switch r.URL.Query().Get("format") {
	case "":
		writeJSON(w, http.StatusOK, Catalog{Actions: actions})
	case "openai":
		writeJSON(w, http.StatusOK, openAITools(actions))
	default:
		problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, "format must be openai or absent")
	}
}

// principal returns the caller that auth.Authenticate put in the context.
func principal(r *http.Request) host.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		problem.Write(w, http.StatusInternalServerError, problem.KindInternal, "internal error")
		return
	}
	writeRawJSON(w, status, b)
}

// writeRawJSON answers with b, which is already JSON.
func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
