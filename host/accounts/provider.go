package accounts

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Provider is an OAuth 2.0 authorization server users connect accounts at,
// as the admin configured it.
type Provider struct {
	Name     string `json:"name"`
	Preset   string `json:"preset,omitempty"`
	ClientID string `json:"client_id"`
	// ClientSecret is stored sealed and never shown again; empty for a
	// public client (PKCE only).
	ClientSecret string   `json:"client_secret,omitempty"`
	AuthURL      string   `json:"auth_url"`
	TokenURL     string   `json:"token_url"`
	Scopes       []string `json:"scopes,omitempty"`
	// AuthParams are extra query parameters of the authorization request
	// (Google's access_type=offline, which it needs to issue a refresh token).
	AuthParams map[string]string `json:"auth_params,omitempty"`
}

// Public returns p without its client secret, and whether it has one.
func (p Provider) Public() (Provider, bool) {
	has := p.ClientSecret != ""
	p.ClientSecret = ""
	p.Scopes = slices.Clone(p.Scopes)
	return p, has
}

// preset is a provider's well-known endpoints.
type preset struct {
	authURL, tokenURL string
	params            map[string]string
}

// Presets, by name. "generic" has no endpoints: the admin gives them.
var presets = map[string]preset{
	"google": {"https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
		map[string]string{"access_type": "offline", "prompt": "consent"}},
	"github":    {"https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token", nil},
	"slack":     {"https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", nil},
	"microsoft": {"https://login.microsoftonline.com/common/oauth2/v2.0/authorize", "https://login.microsoftonline.com/common/oauth2/v2.0/token", nil},
	"generic":   {},
}

// Presets returns the preset names, sorted.
func Presets() []string {
	out := make([]string, 0, len(presets))
	for k := range presets {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
	scopeRE = regexp.MustCompile(`^[!#-\[\]-~]{1,256}$`) // RFC 6749 scope-token
)

// Normalize fills p's endpoints from its preset (when p does not set them;
// the preset defaults to p.Name when that names one) and checks it. Every
// error wraps ErrInvalidProvider and names the field.
func (p Provider) Normalize() (Provider, error) {
	if p.Preset == "" {
		if _, ok := presets[p.Name]; ok {
			p.Preset = p.Name
		} else {
			p.Preset = "generic"
		}
	}
	pre, ok := presets[p.Preset]
	if !ok {
		return p, invalid("preset", "must be one of "+strings.Join(Presets(), ", "))
	}
	if p.AuthURL == "" {
		p.AuthURL = pre.authURL
	}
	if p.TokenURL == "" {
		p.TokenURL = pre.tokenURL
	}
	if p.AuthParams == nil && pre.params != nil {
		p.AuthParams = pre.params
	}
	return p, p.check()
}

func (p Provider) check() error {
	switch {
	case !nameRE.MatchString(p.Name):
		return invalid("name", "must match ^[a-z][a-z0-9_]{1,31}$")
	case p.ClientID == "" || len(p.ClientID) > 512:
		return invalid("client_id", "is required (at most 512 bytes)")
	case len(p.ClientSecret) > 4096:
		return invalid("client_secret", "is over 4096 bytes")
	case len(p.Scopes) > 64:
		return invalid("scopes", "more than 64")
	case len(p.AuthParams) > 16:
		return invalid("auth_params", "more than 16")
	}
	if err := checkEndpoint("auth_url", p.AuthURL); err != nil {
		return err
	}
	if err := checkEndpoint("token_url", p.TokenURL); err != nil {
		return err
	}
	for i, s := range p.Scopes {
		if !scopeRE.MatchString(s) {
			return invalid(fmt.Sprintf("scopes[%d]", i), "is not an OAuth scope token")
		}
	}
	return nil
}

// checkEndpoint requires an absolute https URL without user info or
// fragment; plain http is allowed to loopback only (a local provider).
func checkEndpoint(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || raw == "" || u.Host == "" || u.User != nil || u.Fragment != "" || len(raw) > 2048 {
		return invalid(field, "must be an absolute URL without user info or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() || u.Hostname() == "localhost" {
			return nil
		}
	}
	return invalid(field, "must be https (http only to loopback)")
}

func invalid(field, reason string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidProvider, field, reason)
}
