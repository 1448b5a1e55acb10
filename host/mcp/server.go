package mcp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/semantic"
)

// Path is where the MCP endpoint is mounted.
const Path = "/mcp"

// MetadataPath serves the RFC 9728 metadata of the /mcp resource: the
// well-known path with the resource's path appended (RFC 9728 section 3.1).
const MetadataPath = auth.ProtectedResourcePath + Path

// DefaultMaxBody bounds a request body: the runtime's default input limit
// plus room for the JSON-RPC envelope.
const DefaultMaxBody = 8<<20 + 64<<10

// DefaultSessionTimeout closes a session idle for this long.
const DefaultSessionTimeout = 30 * time.Minute

// ErrConfig means Config lacks something New needs.
var ErrConfig = errors.New("invalid mcp config")

// Config wires a Server.
type Config struct {
	// Runtime runs the tools. Required.
	Runtime *host.Runtime
	// Verifier is the authorization server's verifier; the server derives
	// one that accepts only tokens for its resource. Required.
	Verifier *auth.Verifier
	// PublicURL is the server's base URL (SAA_PUBLIC_URL); the resource is
	// PublicURL + Path. Required.
	PublicURL string
	// Version is reported to clients as the server's version.
	Version string
	// MaxBody bounds a request body; DefaultMaxBody if zero.
	MaxBody int64
	// SessionTimeout closes idle sessions; DefaultSessionTimeout if zero.
	SessionTimeout time.Duration
	// Semantic is the semantic layer whose datasets are served as
	// saa://semantic/ resources; nil serves none.
	Semantic *semantic.Layer
	// Agents returns the agent definitions served as prompts, one each,
	// as they are now (the admin API changes them); nil serves none.
	Agents func() agents.Set
	// Approval is the approval policy (ApproveNone, ApproveWrites,
	// ApproveAll; SAA_MCP_APPROVAL); ApproveWrites if empty.
	Approval string
	// ApprovalTimeout bounds the wait for the user's answer;
	// DefaultApprovalTimeout if zero.
	ApprovalTimeout time.Duration
	// Logger receives the component's logs; slog.Default() if nil.
	Logger *slog.Logger
}

// Server is the MCP surface. Close it to stop following plugin changes.
type Server struct {
	cfg      Config
	rt       *host.Runtime
	log      *slog.Logger
	resource string
	verifier *auth.Verifier
	mcp      *sdk.Server
	handler  http.Handler
	direct   http.Handler
	unwatch  func()

	mu    sync.RWMutex
	tools map[string]tool // by tool name
	decls decls
}

// New builds the server and its tools from the runtime's plugins, and keeps
// them in step with later changes (each change notifies sessions with
// notifications/tools/list_changed).
func New(cfg Config) (*Server, error) {
	if cfg.Runtime == nil || cfg.Verifier == nil || cfg.PublicURL == "" {
		return nil, ErrConfig
	}
	approval, err := ParseApproval(cfg.Approval)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cfg.Approval = approval
	if cfg.ApprovalTimeout == 0 {
		cfg.ApprovalTimeout = DefaultApprovalTimeout
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	base := strings.TrimRight(cfg.PublicURL, "/")
	s := &Server{
		cfg: cfg, rt: cfg.Runtime, log: cfg.Logger, resource: base + Path,
		tools: map[string]tool{},
	}
	s.verifier = cfg.Verifier.ForResource(s.resource, base+MetadataPath)
	s.mcp = sdk.NewServer(&sdk.Implementation{Name: "saa", Title: "SAA", Version: cfg.Version}, &sdk.ServerOptions{
		Logger:       cfg.Logger,
		Instructions: "Tools are SAA actions; each runs sandboxed with the scopes of your access token.",
		Capabilities: &sdk.ServerCapabilities{
			Tools: &sdk.ToolCapabilities{ListChanged: true}, Logging: &sdk.LoggingCapabilities{},
			Resources: &sdk.ResourceCapabilities{ListChanged: true, Subscribe: true},
			Prompts:   &sdk.PromptCapabilities{ListChanged: true},
		},
		SubscribeHandler:   s.subscribe,
		UnsubscribeHandler: s.unsubscribe,
		CompletionHandler:  s.complete,
	})
	s.mcp.AddReceivingMiddleware(s.filterLists)
	s.mcp.AddReceivingMiddleware(s.serveOwn) // outermost: it answers saa:// reads before any plugin
	s.sync()
	s.unwatch = cfg.Runtime.OnPluginsChanged(s.sync)
	s.handler = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.mcp }, &sdk.StreamableHTTPOptions{
		Logger:              cfg.Logger,
		EventStore:          sdk.NewMemoryEventStore(nil),
		SessionTimeout:      cfg.SessionTimeout,
		MaxRequestBodyBytes: cfg.MaxBody,
	})
	mux := chi.NewRouter()
	s.Routes(mux, nil)
	s.direct = mux
	return s, nil
}

// Close stops following plugin changes.
func (s *Server) Close() { s.unwatch() }

// Resource is the URI of the /mcp resource, the aud its tokens must carry.
func (s *Server) Resource() string { return s.resource }

// Routes mounts /mcp and its metadata on r. limit runs after authentication,
// with the principal in the context (auth.PrincipalFrom), before the call:
// the HTTP surface's per-client limits; nil for none.
func (s *Server) Routes(r chi.Router, limit func(http.Handler) http.Handler) {
	if limit == nil {
		limit = func(h http.Handler) http.Handler { return h }
	}
	r.Get(MetadataPath, s.serveMetadata)
	h := s.checkHost(s.authenticate(limit(s.gateScopes(s.handler))))
	r.Handle(Path, h)
}

// ServeHTTP serves /mcp and its metadata without per-client limits, for
// tests and embedding.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.direct.ServeHTTP(w, r) }

// principalFrom returns the principal authenticate put in the request's
// token info.
func principalFrom(extra *sdk.RequestExtra) (host.Principal, bool) {
	if extra == nil {
		return host.Principal{}, false
	}
	return principalOf(extra.TokenInfo)
}

// agents returns the definitions served as prompts now.
func (s *Server) agents() agents.Set {
	if s.cfg.Agents == nil {
		return nil
	}
	return s.cfg.Agents()
}
