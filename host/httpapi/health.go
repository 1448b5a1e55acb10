package httpapi

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/secure-agent/saa/host/httpapi/openapi"
	"github.com/secure-agent/saa/host/problem"
)

// healthz says the process is alive: it answers while the server runs.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says the server takes traffic: not while it drains for shutdown.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		problem.Write(w, http.StatusServiceUnavailable, problem.KindUnavailable, "shutting down")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "plugins": len(s.rt.Plugins())})
}

// openAPIDoc returns the OpenAPI document of the plugins loaded now. Plugins
// can be installed and removed while the server runs, so the document is
// rebuilt when the set of plugins (names and module digests) changes.
func (s *Server) openAPIDoc() ([]byte, error) {
	plugins := s.rt.Plugins()
	var key strings.Builder
	for _, m := range plugins {
		key.WriteString(m.Name + "@" + m.Version + "#" + m.Wasm.SHA256 + "\n")
	}
	s.docMu.Lock()
	defer s.docMu.Unlock()
	if s.docKey == key.String() && s.doc != nil {
		return s.doc, nil
	}
	version := s.cfg.Version
	if version == "" {
		version = "dev"
	}
	var parts []openapi.Part
	if s.cfg.Semantic != nil {
		parts = append(parts, openapi.PartSemantic)
	}
	if s.cfg.Agents != nil {
		parts = append(parts, openapi.PartAgents)
	}
	doc, err := openapi.Build(plugins, s.cfg.PublicURL, version, parts...)
	if err != nil {
		return nil, err
	}
	s.doc, s.docKey = doc, key.String()
	return doc, nil
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := s.openAPIDoc()
	if err != nil {
		s.log.ErrorContext(r.Context(), "openapi", logRequestID, requestID(r.Context()), logError, err.Error())
		problem.Write(w, http.StatusInternalServerError, problem.KindInternal, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(doc)
}

//go:embed docs
var docsFS embed.FS

// docs serves a self-contained page (docs/) that renders /openapi.json. It
// loads nothing from anywhere else, so a strict CSP holds, and it inserts the
// document's text as text, never as HTML.
func (s *Server) docs() http.Handler {
	sub, _ := fs.Sub(docsFS, "docs")
	files := http.StripPrefix("/docs", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		files.ServeHTTP(w, r)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
