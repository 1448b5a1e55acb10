package adminui

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/audit"
)

// Paths the UI serves.
const (
	basePath   = "/admin"
	signinPath = basePath + "/signin"
	staticPath = basePath + "/static"
	// apiPath is the JSON API's, never the UI's.
	apiPath = basePath + "/api"
	// accountPath is a signed-in user's own page: grants, activity.
	accountPath = "/account"
	signupPath  = accountPath + "/signup"
)

// UI is the admin web UI. Mount Handler at /admin and /admin/*.
type UI struct {
	cfg         Config
	log         *slog.Logger
	audit       *audit.Log
	pages       *pages
	assets      *assets
	sessions    *sessions
	httpsPublic bool
	handler     http.Handler
}

// New checks cfg, parses the embedded templates and returns the UI.
func New(cfg Config) (*UI, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	pg, err := parsePages(as)
	if err != nil {
		return nil, err
	}
	u := &UI{
		cfg:         cfg,
		log:         cfg.Logger.With("component", "adminui"),
		audit:       cfg.Runtime.Audit(),
		pages:       pg,
		assets:      as,
		sessions:    newSessions(cfg.now),
		httpsPublic: strings.HasPrefix(cfg.PublicURL, "https://"),
	}
	u.handler = u.routes()
	return u, nil
}

// Handler serves every page under /admin except /admin/api/..., which it
// answers 404 so that the JSON API mounted beside it stays the only one
// there, and, with Config.Accounts, the pages under /account/connections.
// It routes on the request's full path, whatever router it is mounted in.
func (u *UI) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A parent chi router's routing state would make this one route on
		// the parent's remaining path; start afresh from the URL.
		u.handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, nil)))
	})
}
