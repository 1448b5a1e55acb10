package adminui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/manifests"
)

// Clients is what the UI needs of the OAuth client service (*auth.Clients).
type Clients interface {
	Create(ctx context.Context, name string, scopes []string) (auth.Client, string, error)
	List(ctx context.Context) ([]auth.Client, error)
	Get(ctx context.Context, id string) (auth.Client, error)
	UpdateScopes(ctx context.Context, id string, scopes []string) (auth.Client, error)
	Disable(ctx context.Context, id string) (auth.Client, error)
	Enable(ctx context.Context, id string) (auth.Client, error)
	RotateSecret(ctx context.Context, id string) (auth.Client, string, error)
	Delete(ctx context.Context, id string) error
}

// Users is what the UI needs of the admin user service (*auth.Users).
type Users interface {
	Authenticate(ctx context.Context, name, password, source string) (authstore.User, error)
	Create(ctx context.Context, name, password string, role authstore.Role) error
}

// UserLister is implemented by a Users service that can list its users; the
// users page shows the list only when it can.
type UserLister interface {
	List(ctx context.Context) ([]authstore.User, error)
}

// Runtime is what the UI needs of the runtime (*host.Runtime).
type Runtime interface {
	// Plugins returns the manifests of the plugins serving calls.
	Plugins() []*manifests.Manifest
	// Audit returns the log the UI reads, and records its changes in.
	Audit() *audit.Log
}

// Secrets is what the UI needs of the secrets service (*registry.Secrets):
// values go in, never out, and each change is recorded with the admin's name.
type Secrets interface {
	List(ctx context.Context) ([]registry.DeclaredSecret, error)
	Put(ctx context.Context, plugin, name, value, admin string) error
	Delete(ctx context.Context, plugin, name, admin string) error
}

// Registry is what the UI needs of the plugin registry (*registry.Registry).
type Registry interface {
	List(ctx context.Context) ([]registry.Plugin, error)
	Get(ctx context.Context, name string) (registry.Plugin, error)
	Version(ctx context.Context, name, version string) (registry.Version, error)
	Approve(ctx context.Context, name, version, admin string) error
	Reject(ctx context.Context, name, version, admin, reason string) error
	Disable(ctx context.Context, name, admin string) error
	Enable(ctx context.Context, name, admin string) error
	Rollback(ctx context.Context, name, version, admin string) error
	Publisher(ctx context.Context, name string) (registry.Publisher, error)
}

var (
	_ Registry = (*registry.Registry)(nil)
	_ Secrets  = (*registry.Secrets)(nil)
)

// Authorizer is what the UI needs of the authorization server
// (*auth.Server) to serve the authorization endpoint's pages: it parses and
// answers the protocol; the UI signs the user in and asks for consent.
type Authorizer interface {
	ParseAuthorize(ctx context.Context, r *http.Request) (*auth.AuthorizeRequest, error)
	WriteAuthorizeError(ctx context.Context, w http.ResponseWriter, req *auth.AuthorizeRequest, err error)
	NeedsConsent(ctx context.Context, req *auth.AuthorizeRequest, user string) (bool, error)
	Approve(ctx context.Context, w http.ResponseWriter, req *auth.AuthorizeRequest, user string, granted []string) error
	Deny(ctx context.Context, w http.ResponseWriter, req *auth.AuthorizeRequest)
}

// Grants is what the account page needs of users' consents (*auth.Grants).
type Grants interface {
	List(ctx context.Context, user string) ([]auth.Grant, error)
	Revoke(ctx context.Context, user, clientID string) error
}

// Session lifetimes: a session ends after sessionIdle without a request, and
// sessionMax after sign-in whatever happens.
const (
	sessionIdle = 30 * time.Minute
	sessionMax  = 12 * time.Hour
)

// Config wires the UI to the services it shows. Everything but Registry
// and Logger is required.
type Config struct {
	Clients Clients
	Users   Users
	// Runtime lists the plugins serving calls and holds the audit log.
	Runtime Runtime
	// Secrets sets and lists the secrets plugins declare.
	Secrets Secrets
	// Registry manages published plugins; nil shows only the local ones.
	Registry Registry
	// Accounts serves /account/connections, the signed-in user's
	// connected accounts; nil leaves those pages out.
	Accounts Accounts
	// Agents is the agent runs' engine: the Runs page lists its runs and
	// decides paused calls. Nil leaves the page out.
	Agents agents.Engine
	// PublicURL is SAA_PUBLIC_URL; when it is https, cookies are Secure.
	PublicURL string
	// Logger receives the component's logs; slog.Default() if nil.
	Logger *slog.Logger
	// Authorizer and Grants serve /oauth2/authorize (sign-in and consent)
	// and /account; both nil leaves those pages out.
	Authorizer Authorizer
	Grants     Grants
	// Signup lets anyone create a user account (role user) at
	// /account/signup (SAA_SIGNUP=open); off by default.
	Signup bool

	// now is the clock; time.Now if nil. Tests set it.
	now func() time.Time
}

// validate reports the first missing part and fills in defaults.
func (c *Config) validate() error {
	if c.Clients == nil || c.Users == nil || c.Runtime == nil || c.Secrets == nil {
		return errors.New("admin ui: Clients, Users, Runtime and Secrets are required")
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("admin ui: public URL %q is not an absolute http(s) URL", c.PublicURL)
	}
	if (c.Authorizer == nil) != (c.Grants == nil) {
		return errors.New("admin ui: Authorizer and Grants go together")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return nil
}
