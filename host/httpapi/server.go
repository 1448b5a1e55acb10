package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/semantic"
)

// Defaults of Config's zero fields.
const (
	DefaultMaxBody      = 1 << 20
	DefaultDrainTimeout = 30 * time.Second
)

// Config assembles the server from parts built elsewhere. Runtime, Auth and
// PublicURL are required.
type Config struct {
	// Runtime runs the actions.
	Runtime *host.Runtime
	// Auth is the authorization server: its endpoints are mounted, and its
	// verifier authenticates bearer tokens on /v1.
	Auth *auth.Server
	// Admin is the admin API, mounted at /admin/api/v1 with the audit log
	// (host/audit/audithttp) and the webhook secrets behind its
	// authentication; nil leaves them out.
	Admin *adminapi.API
	// AdminUI serves the admin web UI at /admin; nil leaves it out.
	AdminUI http.Handler
	// Runs runs asynchronous invocations (Prefer: respond-async); nil
	// refuses them. Give it Metrics.Invoker(Runtime) as its invoker.
	Runs *runs.Manager
	// Agents serves /v1/agents and agent runs under /v1/runs; nil leaves
	// them out.
	Agents *AgentRuns
	// Idempotency makes Idempotency-Key work on synchronous calls; nil
	// refuses the header there.
	Idempotency *runs.Idempotency
	// Semantic is the semantic layer served at /v1/semantic; nil leaves
	// those routes out.
	Semantic *semantic.Layer
	// Metrics receives the server's metrics; NewMetrics() if nil.
	Metrics *Metrics
	// Logger receives one line per request; slog.Default() if nil.
	Logger *slog.Logger
	// PublicURL is the base URL clients use (SAA_PUBLIC_URL).
	PublicURL string
	// Version is reported in the OpenAPI document.
	Version string
	// MaxBody bounds a request body; DefaultMaxBody if zero.
	MaxBody int64
	// Limits are every client's limits unless LimitStore holds the client's
	// own; DefaultClientLimits if zero.
	Limits ClientLimits
	// LimitStore keeps the limits an admin sets per client
	// (/admin/api/v1/limits/{client_id}); a MemoryLimits if nil.
	LimitStore LimitStore
	// Timeouts of the HTTP server; see DefaultTimeouts.
	Timeouts Timeouts
	// MCP mounts the MCP endpoint (host/mcp); nil leaves it out.
	MCP MCPRoutes
}

// MCPRoutes mounts an MCP endpoint, which authenticates its own requests
// (its tokens are for another resource) and then applies limit, the
// per-client limits of /v1.
type MCPRoutes interface {
	Routes(r chi.Router, limit func(http.Handler) http.Handler)
}

// Timeouts of the HTTP server. Write must outlast the slowest action.
type Timeouts struct {
	ReadHeader, Read, Write, Idle, Drain time.Duration
}

// DefaultTimeouts suit actions of up to the runtime's 30 s default cap.
var DefaultTimeouts = Timeouts{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Write:      90 * time.Second,
	Idle:       2 * time.Minute,
	Drain:      DefaultDrainTimeout,
}

// Server is SAA's HTTP server.
type Server struct {
	cfg      Config
	rt       *host.Runtime
	verifier *auth.Verifier
	invoker  runs.Invoker
	log      *slog.Logger
	metrics  *Metrics
	limiter  *limiter
	docMu    sync.Mutex
	doc      []byte // the OpenAPI document for docKey's plugins
	docKey   string
	handler  http.Handler
	draining atomic.Bool
	active   atomic.Int64 // requests in flight
}

// inFlight returns how many requests are being served.
func (s *Server) inFlight() int64 { return s.active.Load() }

// New assembles a Server from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Runtime == nil || cfg.Auth == nil || cfg.PublicURL == "" {
		return nil, errors.New("httpapi: runtime, auth server and public URL are required")
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:      cfg,
		rt:       cfg.Runtime,
		verifier: cfg.Auth.Verifier(),
		log:      cfg.Logger,
		metrics:  cfg.Metrics,
		limiter:  newLimiter(cfg.Limits, cfg.LimitStore, nil),
	}
	s.invoker = s.metrics.Invoker(cfg.Runtime)
	s.metrics.registerPools(cfg.Runtime)
	if _, err := s.openAPIDoc(); err != nil {
		return nil, err
	}
	if cfg.Admin != nil {
		cfg.Admin.LimitWith(s.limitAdmin)
	}
	s.handler = s.routes()
	return s, nil
}

func (c Config) withDefaults() Config {
	if c.Metrics == nil {
		c.Metrics = NewMetrics()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.LimitStore == nil {
		c.LimitStore = &MemoryLimits{}
	}
	if c.Limits == (ClientLimits{}) {
		c.Limits = DefaultClientLimits
	}
	if c.Timeouts == (Timeouts{}) {
		c.Timeouts = DefaultTimeouts
	}
	return c
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// /readyz turns 503, no new connection is accepted, and in-flight requests
// get up to the drain timeout to finish. It returns nil after a clean drain.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	t := s.cfg.Timeouts
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	drain, cancel := context.WithTimeout(context.Background(), t.Drain)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		return fmt.Errorf("drain in-flight requests: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
