package host

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/manifests"
)

// ErrAccountNotConnected means the action needs a per-user secret from an
// account that the principal's subject has not connected, or must connect
// again; the error is an *AccountError saying where.
var ErrAccountNotConnected = errors.New("account not connected")

// AccountError says which connected account a call needed and where the
// user connects it. It carries no token.
type AccountError struct {
	// Secret is the manifest's per-user secret; Provider the OAuth provider.
	Secret, Provider string
	// ConnectURL is where the user connects (or reconnects) the account.
	ConnectURL string
	// Reconnect is true when the account exists but the provider refused
	// its refresh token.
	Reconnect bool
}

func (e *AccountError) Error() string {
	what := "is not connected"
	if e.Reconnect {
		what = "needs reconnecting"
	}
	return fmt.Sprintf("account not connected: the user's %s account (secret %q) %s; connect it at %s", e.Provider, e.Secret, what, e.ConnectURL)
}

// Unwrap makes errors.Is(err, ErrAccountNotConnected) true.
func (e *AccountError) Unwrap() error { return ErrAccountNotConnected }

// callSecrets is the secret source of one invocation: a per-user secret is
// the token of the account the principal's subject connected at the
// secret's provider (never the client's, never another user's); any other
// secret is the plugin's own. It remembers an account that was missing, so
// that the call fails with an *AccountError whatever the plugin made of the
// refused request, and the accounts used, for the audit log.
type callSecrets struct {
	plugins  egress.SecretSource
	accounts *accounts.Service
	subject  string
	perUser  map[string]string // secret name → provider

	mu      sync.Mutex
	missing *AccountError
	used    map[string]bool // "secret:provider"
}

// secretsFor returns the secret source of p's call of a plugin declaring m's
// secrets: the plugin store alone when m declares no per-user secret.
func (rt *Runtime) secretsFor(m *manifests.Manifest, p Principal) (egress.SecretSource, *callSecrets) {
	pu := m.PerUserSecrets()
	if len(pu) == 0 {
		return rt.secrets, nil
	}
	cs := &callSecrets{plugins: rt.secrets, accounts: rt.accounts, subject: p.Subject, perUser: make(map[string]string, len(pu)), used: map[string]bool{}}
	for _, s := range pu {
		cs.perUser[s.Name] = s.OAuth.Provider
	}
	return cs, cs
}

// Get implements egress.SecretSource.
func (c *callSecrets) Get(ctx context.Context, plugin, name string) (string, error) {
	provider, ok := c.perUser[name]
	if !ok {
		return c.plugins.Get(ctx, plugin, name)
	}
	tok, err := c.accounts.Token(ctx, c.subject, provider)
	reconnect := errors.Is(err, accounts.ErrReconnectNeeded)
	if reconnect || errors.Is(err, accounts.ErrNotConnected) {
		c.mu.Lock()
		if c.missing == nil {
			c.missing = &AccountError{Secret: name, Provider: provider, ConnectURL: c.accounts.ConnectURL(provider), Reconnect: reconnect}
		}
		c.mu.Unlock()
	}
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.used[name+":"+provider] = true
	c.mu.Unlock()
	return tok, nil
}

// notConnected returns the first account the call needed and did not find.
func (c *callSecrets) notConnected() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.missing == nil {
		return nil
	}
	return c.missing
}

// accountsUsed returns "secret:provider" for each account whose token was
// injected, sorted; never a token.
func (c *callSecrets) accountsUsed(sess *egress.Session) []string {
	if c == nil || sess == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, name := range sess.SecretsUsed() {
		if provider, ok := c.perUser[name]; ok && c.used[name+":"+provider] {
			out = append(out, name+":"+provider)
		}
	}
	return out
}
