package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/auth/internal/throttle"
)

// Endpoint paths, relative to the public URL.
const (
	TokenPath             = "/oauth2/token"
	IntrospectPath        = "/oauth2/introspect"
	RevokePath            = "/oauth2/revoke"
	JWKSPath              = "/.well-known/jwks.json"
	ASMetadataPath        = "/.well-known/oauth-authorization-server"
	ProtectedResourcePath = "/.well-known/oauth-protected-resource"
)

// Throttling of failed authentications (clients and admin users alike): after
// DefaultFailureLimit failures within DefaultFailureWindow of the first, a
// source address gets 429 with Retry-After until the window closes, and a
// client ID or user name is slowed, never locked (see throttle.Guard): its
// attempts are queued a second apart, except from addresses that signed in
// as it before.
const (
	DefaultFailureLimit  = 10
	DefaultFailureWindow = time.Minute
	maxThrottleKeys      = 100_000
)

// Lifetimes of the authorization code flow: a code must be redeemed within
// CodeLifetime (RFC 6749 section 4.1.2 advises at most 10 minutes); a
// refresh token lives RefreshLifetime unless rotated or revoked earlier.
const (
	CodeLifetime    = 5 * time.Minute
	RefreshLifetime = 30 * 24 * time.Hour
)

// purgeEvery is how often, at most, revocation calls also purge expired
// deny-list entries.
const purgeEvery = 10 * time.Minute

// Server is the authorization server. Mount its endpoints with Routes.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	keys     *KeySet
	issuer   *tokenIssuer
	verifier *Verifier
	clients  *Clients
	users    *Users
	// flows is the store's authstore.Flows, nil if it has none: the
	// authorization code flow is then off.
	flows  authstore.Flows
	grants *Grants
	oauth  fosite.OAuth2Provider
	// guard throttles client authentication per source and slows it per
	// client ID.
	attempts *throttle.Guard

	// scopes are advertised in the metadata besides the server's own.
	scopes atomic.Pointer[[]string]

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// New validates cfg, loads (or generates) the signing key and builds the
// server.
func New(cfg Config) (*Server, error) {
	return newServer(cfg, time.Now)
}

func newServer(cfg Config, now func() time.Time) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	keys, err := loadKeys(cfg, now)
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	users, err := newUsers(cfg.Store, now)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "auth"),
		now:       now,
		keys:      keys,
		verifier:  NewVerifier(keys, cfg.Store, cfg.PublicURL),
		clients:   &Clients{store: cfg.Store, now: now},
		users:     users,
		attempts:  throttle.NewGuard(DefaultFailureLimit, DefaultFailureWindow, maxThrottleKeys, now),
		lastPurge: now(),
	}
	s.flows, _ = cfg.Store.(authstore.Flows)
	if s.flows != nil {
		s.grants = &Grants{flows: s.flows, clients: cfg.Store, now: now}
	}
	s.issuer = &tokenIssuer{keys: keys, issuer: cfg.PublicURL, lifetime: cfg.TokenLifetime, now: now}
	s.oauth = s.compose()
	return s, nil
}

// compose builds fosite with exactly the handlers SAA serves.
func (s *Server) compose() fosite.OAuth2Provider {
	fc := &fosite.Config{
		AccessTokenLifespan:           s.cfg.TokenLifetime,
		AccessTokenIssuer:             s.cfg.PublicURL,
		TokenURL:                      s.cfg.PublicURL + TokenPath,
		ScopeStrategy:                 fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:      fosite.ExactAudienceMatchingStrategy,
		ClientSecretsHasher:           SHA256Hasher{},
		ClientAuthenticationStrategy:  s.authenticateClient,
		DisableRefreshTokenValidation: true,
		SendDebugMessagesToClients:    false,
		// The authorization code flow: PKCE with S256 for every client,
		// short-lived codes, refresh tokens whatever the scopes.
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		AuthorizeCodeLifespan:          CodeLifetime,
		RefreshTokenLifespan:           RefreshLifetime,
		RefreshTokenScopes:             []string{},
		OmitRedirectScopeParam:         true,
		// What a stored code keeps of its request: PKCE's challenge must
		// survive until the token endpoint, as redirect_uri must.
		SanitationWhiteList: []string{"code", "redirect_uri", "code_challenge", "code_challenge_method"},
	}
	// Introspection and revocation know tokens for every resource.
	every := s.verifier.withAudiences(append([]string{s.cfg.PublicURL}, s.cfg.Resources...), s.verifier.resourceMetadata)
	store := &fositeStore{store: s.cfg.Store, verifier: every, audience: s.cfg.PublicURL, denyFor: s.keys.keep, now: s.now, flows: s.flows}
	strategy := &fositeStrategy{issuer: s.issuer, verifier: every, flows: s.flows, now: s.now}
	return compose.Compose(fc, store, strategy,
		compose.OAuth2ClientCredentialsGrantFactory,
		// The code handler must come before PKCE, which reads the code.
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2PKCEFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		func(fosite.Configurator, any, any) any { return &tokenExchange{s: s, subjects: every} },
	)
}

// Routes mounts the OAuth endpoints, the JWKS and both metadata documents.
func (s *Server) Routes(r chi.Router) {
	r.Post(TokenPath, s.guard(s.handleToken))
	r.Post(IntrospectPath, s.guard(s.handleIntrospect))
	r.Post(RevokePath, s.guard(s.handleRevoke))
	r.Get(JWKSPath, s.handleJWKS)
	r.Get(ASMetadataPath, s.handleASMetadata)
	r.Get(ProtectedResourcePath, s.handleResourceMetadata)
}

// Clients returns the client service.
func (s *Server) Clients() *Clients { return s.clients }

// Users returns the admin user service.
func (s *Server) Users() *Users { return s.users }

// Verifier returns the server's token verifier.
func (s *Server) Verifier() *Verifier { return s.verifier }

// NewVerifier returns a verifier with its own cache over the same keys and
// store, as another instance of the resource server would have.
func (s *Server) NewVerifier() *Verifier { return NewVerifier(s.keys, s.cfg.Store, s.cfg.PublicURL) }

// Keys returns the signing key set.
func (s *Server) Keys() *KeySet { return s.keys }

// EnsureAdmin creates the admin user on first start from the configured
// password; see Users.EnsureAdmin. `saa serve` prints a returned generated
// password once.
func (s *Server) EnsureAdmin(ctx context.Context) (generated string, err error) {
	return s.users.EnsureAdmin(ctx, s.cfg.AdminPassword, s.cfg.production())
}

// maybePurge drops expired deny-list entries, at most every purgeEvery.
func (s *Server) maybePurge(ctx context.Context) {
	s.purgeMu.Lock()
	defer s.purgeMu.Unlock()
	now := s.now()
	if now.Sub(s.lastPurge) < purgeEvery {
		return
	}
	s.lastPurge = now
	if _, err := s.cfg.Store.PurgeRevocations(ctx, now); err != nil {
		s.log.WarnContext(ctx, "purge revocations", "err", err)
	}
}
