package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/manifests"
)

// Paths of the connect flow, under the public URL.
const (
	connectionsPath = "/account/connections"
	// stateLife bounds the time between starting a connection and its callback.
	stateLife = 10 * time.Minute
	// maxPending bounds the connections started and not yet completed.
	maxPending = 10000
)

// Config configures a Service.
type Config struct {
	// Store keeps providers and accounts.
	Store Store
	// PublicURL is where users reach SAA ("https://saa.example"); connect
	// and callback URLs are under it.
	PublicURL string
	// HTTPClient sends the requests to providers' token endpoints; nil
	// means one through Guard: the address vetting, bounds and redirect
	// checks of a plugin's requests, toward the token endpoint's origin only.
	HTTPClient *http.Client
	// Guard is the egress guard requests leave through when HTTPClient is
	// nil; nil then means a plain client with a 30-second timeout that
	// follows no redirect (tests).
	Guard *egress.Guard
	// RefreshBefore is how long before expiry a token is refreshed; zero
	// means one minute.
	RefreshBefore time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service runs the connect flow, keeps tokens fresh, and hands the current
// access token to the runtime at egress. It is safe for concurrent use.
type Service struct {
	cfg     Config
	flights singleflight.Group

	mu      sync.Mutex
	pending map[string]pending // by state
}

// pending is a connection started and not yet completed.
type pending struct {
	subject, provider, verifier string
	expires                     time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.HTTPClient == nil && cfg.Guard != nil {
		cfg.HTTPClient = &http.Client{Transport: &egress.Transport{Guard: cfg.Guard, Policy: ownOrigin}}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.RefreshBefore == 0 {
		cfg.RefreshBefore = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	return &Service{cfg: cfg, pending: map[string]pending{}}
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.cfg.Store }

// ConnectURL is where the user connects (or reconnects) provider.
func (s *Service) ConnectURL(provider string) string {
	return s.cfg.PublicURL + connectionsPath + "/" + url.PathEscape(provider) + "/connect"
}

// CallbackURL is the redirect URI to register at provider.
func (s *Service) CallbackURL(provider string) string {
	return s.cfg.PublicURL + connectionsPath + "/" + url.PathEscape(provider) + "/callback"
}

// oauthConfig is provider's x/oauth2 config.
func (s *Service) oauthConfig(p Provider, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Endpoint:    oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL},
		RedirectURL: s.CallbackURL(p.Name),
		Scopes:      scopes,
	}
}

// clientCtx makes x/oauth2 send through the service's HTTP client.
func (s *Service) clientCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.cfg.HTTPClient)
}

// providerError describes a provider's failure by its OAuth error code or
// HTTP status only: a body may echo what it was sent.
func providerError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return fmt.Errorf("%w: %s", ErrProvider, safeCode(re.ErrorCode))
		}
		if re.Response != nil {
			return fmt.Errorf("%w: status %d", ErrProvider, re.Response.StatusCode)
		}
	}
	return fmt.Errorf("%w: no usable answer", ErrProvider)
}

// safeCode keeps an OAuth error code if it is one (RFC 6749 §5.2's
// character set, bounded), else a placeholder.
func safeCode(c string) string {
	if len(c) > 64 {
		return "invalid_error_code"
	}
	for _, r := range c {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return "invalid_error_code"
		}
	}
	return c
}

// SetProvider checks p (see Provider.Normalize) and stores it. An empty
// ClientSecret keeps the one stored before, so an admin can change a
// provider without retyping its secret. It returns p as stored, without
// the secret.
func (s *Service) SetProvider(ctx context.Context, p Provider) (Provider, error) {
	p, err := p.Normalize()
	if err != nil {
		return Provider{}, err
	}
	if p.ClientSecret == "" {
		if old, err := s.cfg.Store.Provider(ctx, p.Name); err == nil {
			p.ClientSecret = old.ClientSecret
		} else if !errors.Is(err, ErrProviderNotFound) {
			return Provider{}, err
		}
	}
	if err := s.cfg.Store.PutProvider(ctx, p); err != nil {
		return Provider{}, err
	}
	pub, _ := p.Public()
	return pub, nil
}

// ownOrigin is the egress policy of a request to a provider: its own origin,
// nothing else (the admin set the provider's URLs).
func ownOrigin(req *http.Request) (*egress.Policy, error) {
	rule, err := manifests.ParseEgressRule(req.URL.Scheme + "://" + req.URL.Host)
	if err != nil {
		return nil, fmt.Errorf("provider endpoint: %w", err)
	}
	return &egress.Policy{Plugin: "accounts", Rules: []egress.Rule{rule}}, nil
}
