package llm

import (
	"fmt"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// SecretNamespace is the secret-store namespace of provider keys: the key of
// provider "default" is the secret "default" of "llm". The plugin registry
// refuses a plugin of that name, so no plugin can bind it to its own host.
const SecretNamespace = "llm"

// Config configures a provider.
type Config struct {
	// Name names the provider in agent definitions; its key is the secret
	// Name of SecretNamespace. It must be a valid secret name.
	Name string
	// BaseURL is the API root, such as https://api.openai.com/v1 or
	// https://api.anthropic.com; requests may go to it and below it only.
	BaseURL string
	// Guard sends the requests; required.
	Guard *egress.Guard
	// Keys holds the API key (*secrets.Store); nil means the provider needs
	// no key (a local server) and no key header is sent.
	Keys egress.SecretSource
	// Timeout bounds one Chat call, retries included; default 2 minutes.
	Timeout time.Duration
	// MaxRetries, RetryBase and MaxRetryWait tune retries of 429, 5xx and
	// network failures; defaults 3, 500ms and 30s.
	MaxRetries   int
	RetryBase    time.Duration
	MaxRetryWait time.Duration
}

// keyPlacement says where a provider's API sends its key.
type keyPlacement struct {
	header, format string
	// forward are the client library's headers the provider needs.
	forward []string
}

// newDoer checks cfg and returns the transport of its requests: through
// cfg.Guard, to cfg.BaseURL and below only, with the key injected there.
func newDoer(cfg Config, key keyPlacement) (*doer, string, error) {
	if cfg.Guard == nil {
		return nil, "", fmt.Errorf("%w: provider %q has no egress guard", ErrConfig, cfg.Name)
	}
	if !validName(cfg.Name) {
		return nil, "", fmt.Errorf("%w: provider name %q must match [a-z][a-z0-9_]{1,31}", ErrConfig, cfg.Name)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	rule, err := manifests.ParseEgressRule(base)
	if err != nil {
		return nil, "", fmt.Errorf("%w: provider %q base URL: %v", ErrConfig, cfg.Name, err)
	}
	d := &doer{
		guard:   cfg.Guard,
		policy:  &egress.Policy{Plugin: SecretNamespace, Rules: []egress.Rule{rule}},
		src:     cfg.Keys,
		forward: key.forward,
		retry: retryPolicy{
			Max:     orDefault(cfg.MaxRetries, 3),
			Base:    orDefault(cfg.RetryBase, 500*time.Millisecond),
			MaxWait: orDefault(cfg.MaxRetryWait, 30*time.Second),
		},
	}
	if cfg.MaxRetries < 0 {
		d.retry.Max = 0
	}
	if cfg.Keys != nil {
		d.policy.Secrets = []egress.SecretBinding{{
			Name: cfg.Name, Header: key.header, Format: key.format, Hosts: []egress.Rule{rule},
		}}
		d.keyHeader, d.keyRef = key.header, wire.SecretPrefix+cfg.Name+wire.SecretSuffix
	}
	return d, base, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// validName matches the secret store's names, ^[a-z][a-z0-9_]{1,31}$.
func validName(s string) bool {
	if len(s) < 2 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// maxDetail bounds the provider's own words kept in an error.
const maxDetail = 300

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		s = s[:maxDetail] + "..."
	}
	return s
}
