// Package adminapitest serves the OAuth endpoints and the admin API on
// loopback for tests, over a real runtime with no local plugins, a real
// bbolt file and the plugin registry. It is test support only: production
// code never imports it.
package adminapitest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/registry"
)

// Server is a running test server.
type Server struct {
	URL      string
	Auth     *auth.Server
	Runtime  *host.Runtime
	Registry *registry.Registry
	// Agents are the agent definitions: Options.AgentFiles and those
	// stored through the API.
	Agents *agents.Catalog
	Client *http.Client
}

// Options tune Start.
type Options struct {
	// AdminPassword is the admin user's password (created at start).
	AdminPassword string
	// MaxBundleBytes bounds uploads; zero is the registry's default.
	MaxBundleBytes int64
	// MaxParses and ParseWait bound concurrent bundle reads; zero fields
	// are the registry's defaults.
	MaxParses int
	ParseWait time.Duration
	// AgentFiles are the agent definitions "from files" (read-only over
	// the API).
	AgentFiles agents.Set
}

// Start serves the server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := host.DefaultConfig()
	cfg.DataDir, cfg.PluginsDir, cfg.Logger = t.TempDir(), t.TempDir(), quiet
	rt, err := host.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acfg := auth.DefaultConfig()
	acfg.PublicURL, acfg.DataDir, acfg.Store, acfg.AdminPassword = "http://"+ln.Addr().String(), t.TempDir(), rt.DB().Auth(), opts.AdminPassword
	srv, err := auth.New(acfg)
	must(t, err)
	_, err = srv.EnsureAdmin(context.Background())
	must(t, err)
	reg, err := registry.New(registry.Config{Store: rt.DB().Registry(), Runtime: rt, Audit: rt.Audit(), MaxBundleBytes: opts.MaxBundleBytes,
		MaxParses: opts.MaxParses, ParseWait: opts.ParseWait, Logger: quiet})
	must(t, err)
	secs, err := registry.NewSecrets(registry.SecretsConfig{Store: rt.Secrets(), Plugins: rt.Plugins, Registry: reg, Audit: rt.Audit(), Logger: quiet})
	must(t, err)
	cat, err := agents.NewCatalog(context.Background(), opts.AgentFiles, rt.DB().AgentDefinitions(), quiet)
	must(t, err)
	api, err := adminapi.New(adminapi.Config{
		Clients: srv.Clients(), Users: srv.Users(), Verifier: srv.Verifier(),
		Audit: rt.Audit(), Registry: reg, Secrets: secs, Keys: srv.Keys(), Accounts: rt.Accounts(), Agents: cat, Logger: quiet,
	})
	must(t, err)
	r := chi.NewRouter()
	srv.Routes(r)
	r.Route(adminapi.Prefix, api.Routes)
	ts := httptest.NewUnstartedServer(r)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return &Server{URL: acfg.PublicURL, Auth: srv, Runtime: rt, Registry: reg, Agents: cat, Client: ts.Client()}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
