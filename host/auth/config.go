package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth/authstore"
)

// DefaultTokenLifetime is how long an access token lives unless configured.
const DefaultTokenLifetime = 15 * time.Minute

// maxTokenLifetime bounds TokenLifetime: revocation by deny-list and key
// retirement both scale with it.
const maxTokenLifetime = 24 * time.Hour

// clockLeeway is the clock skew tolerated on exp, nbf and iat.
const clockLeeway = 30 * time.Second

// EnvProduction is the ENVIRONMENT value that turns on production rules.
const EnvProduction = "production"

// Config configures the authorization server. Build it with DefaultConfig,
// then ApplyEnv, then flags; New validates it.
type Config struct {
	// PublicURL is the server's base URL (SAA_PUBLIC_URL): token issuer and
	// audience, and base of every advertised endpoint. Required.
	PublicURL string
	// DataDir holds the generated signing key (SAA_DATA_DIR).
	DataDir string
	// Environment is "local" or "production" (ENVIRONMENT). Production refuses
	// generated signing keys, generated admin passwords and plain-HTTP URLs.
	Environment string
	// PrivateKeyPEM and PublicKeyPEM are JWT_PRIVATE_KEY and JWT_PUBLIC_KEY.
	// When PrivateKeyPEM is empty a key is generated into DataDir.
	PrivateKeyPEM string
	PublicKeyPEM  string
	// AdminPassword is SAA_ADMIN_PASSWORD, used only when creating the admin
	// user on first start.
	AdminPassword string
	// TokenLifetime is the access token lifetime; DefaultTokenLifetime if zero.
	TokenLifetime time.Duration
	// Resources are further resource URIs (RFC 8707) a client may name with
	// the resource parameter at the token endpoint, such as the MCP endpoint;
	// the token's aud is then that resource instead of PublicURL, and only a
	// verifier for that resource (Verifier.ForResource) accepts it.
	Resources []string
	// MaxDelegationDepth bounds how many token exchanges may follow one
	// another down a chain (RFC 8693): a token that many exchanges away from
	// its original cannot be exchanged again. host.DefaultMaxDelegationDepth
	// if zero; at most maxChain.
	MaxDelegationDepth int
	// Store persists clients, users and revocations. Required.
	Store authstore.Store
	// Logger receives the component's logs; slog.Default() if nil.
	Logger *slog.Logger
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{
		PublicURL:     "http://127.0.0.1:8080",
		DataDir:       "./data",
		Environment:   "local",
		TokenLifetime: DefaultTokenLifetime,
	}
}

// ApplyEnv overrides c with the environment variables that are set.
func (c *Config) ApplyEnv(getenv func(string) string) {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	if addr := getenv("SAA_ADDR"); addr != "" && getenv("SAA_PUBLIC_URL") == "" {
		c.PublicURL = "http://" + addr
	}
	set(&c.PublicURL, "SAA_PUBLIC_URL")
	set(&c.DataDir, "SAA_DATA_DIR")
	set(&c.Environment, "ENVIRONMENT")
	set(&c.PrivateKeyPEM, "JWT_PRIVATE_KEY")
	set(&c.PublicKeyPEM, "JWT_PUBLIC_KEY")
	set(&c.AdminPassword, "SAA_ADMIN_PASSWORD")
}

// Validate reports the first problem with c, after filling in defaults.
func (c *Config) Validate() error {
	if c.TokenLifetime == 0 {
		c.TokenLifetime = DefaultTokenLifetime
	}
	if c.MaxDelegationDepth == 0 {
		c.MaxDelegationDepth = host.DefaultMaxDelegationDepth
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Store == nil {
		return errors.New("auth config: no store")
	}
	if c.TokenLifetime < time.Minute || c.TokenLifetime > maxTokenLifetime {
		return fmt.Errorf("auth config: token lifetime %s outside [1m, %s]", c.TokenLifetime, maxTokenLifetime)
	}
	if c.MaxDelegationDepth < 1 || c.MaxDelegationDepth > maxChain {
		return fmt.Errorf("auth config: delegation depth %d outside [1, %d]", c.MaxDelegationDepth, maxChain)
	}
	if c.Environment != "local" && c.Environment != EnvProduction && c.Environment != "" {
		return fmt.Errorf("auth config: unknown environment %q", c.Environment)
	}
	return c.validatePublicURL()
}

func (c *Config) validatePublicURL() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("auth config: public URL %q is not an absolute http(s) URL", c.PublicURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("auth config: public URL %q may not carry a query, fragment or user", c.PublicURL)
	}
	if c.production() && u.Scheme != "https" {
		return fmt.Errorf("auth config: production needs an https public URL, got %q", c.PublicURL)
	}
	return nil
}

func (c Config) production() bool { return c.Environment == EnvProduction }
