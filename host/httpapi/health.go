package httpapi

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/secure-agent/saa/host"
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

// buildOpenAPI renders the document once: the manifests do not change while
// the server runs.
func buildOpenAPI(rt *host.Runtime, publicURL, version string) ([]byte, error) {
	if version == "" {
		version = "dev"
	}
	return openapi.Build(rt.Plugins(), publicURL, version)
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(s.openapi)
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
