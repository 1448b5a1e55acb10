package egress

import (
	"context"
	"net/url"
)

// Rule allows some URLs. manifests.EgressRule implements it; String names the
// rule in errors and reviews.
type Rule interface {
	Allows(u *url.URL) bool
	String() string
}

// Policy is what one plugin may reach and which secrets it may send there.
// A nil or empty Policy denies everything.
type Policy struct {
	// Plugin names the plugin; secrets are looked up in its namespace.
	Plugin string
	// Rules are the allowed destinations; a URL must be allowed by one.
	Rules []Rule
	// Secrets are the secrets the plugin may reference in headers.
	Secrets []SecretBinding
}

// SecretBinding declares a secret the plugin may reference as
// "{{secret:Name}}", as the whole value of Header, toward Hosts only. The
// host sends Format with "{{value}}" replaced by the secret's value; an empty
// Format sends the value alone.
type SecretBinding struct {
	Name   string
	Header string
	Format string
	Hosts  []Rule
}

// SecretSource returns the value of a plugin's secret. *secrets.Store
// implements it.
type SecretSource interface {
	Get(ctx context.Context, plugin, name string) (string, error)
}

// allows reports whether some rule allows u.
func (p *Policy) allows(u *url.URL) bool {
	return p != nil && anyAllows(p.Rules, u)
}

// binding returns the declared secret called name.
func (p *Policy) binding(name string) (SecretBinding, bool) {
	if p == nil {
		return SecretBinding{}, false
	}
	for _, b := range p.Secrets {
		if b.Name == name {
			return b, true
		}
	}
	return SecretBinding{}, false
}

func anyAllows(rules []Rule, u *url.URL) bool {
	for _, r := range rules {
		if r != nil && r.Allows(u) {
			return true
		}
	}
	return false
}
