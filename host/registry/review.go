package registry

import "github.com/secure-agent/saa/manifests"

// Review is everything a manifest asks for, ready to show an admin.
type Review struct {
	Egress  []string       `json:"egress"`
	Secrets []SecretReview `json:"secrets"`
	Actions []ActionReview `json:"actions"`
	Limits  LimitsReview   `json:"limits"`
}

// SecretReview is one secret and where it is sent.
type SecretReview struct {
	Name   string   `json:"name"`
	Header string   `json:"header"`
	Format string   `json:"format"`
	Hosts  []string `json:"hosts"`
	// PerUserProvider, for a per-user secret, is the OAuth provider each
	// user connects their own account at.
	PerUserProvider string `json:"per_user_provider,omitempty"`
}

// ActionReview is one action, its effect and the scopes a caller needs.
type ActionReview struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Effect      string   `json:"effect"`
	Scopes      []string `json:"scopes"`
}

// LimitsReview shows the limits asked for ("operator default" when unset).
type LimitsReview struct {
	Memory    string `json:"memory"`
	Timeout   string `json:"timeout"`
	MaxOutput string `json:"max_output"`
}

// reviewOf summarises m.
func reviewOf(m *manifests.Manifest) Review {
	r := Review{Egress: egressOf(m), Secrets: []SecretReview{}, Actions: []ActionReview{}}
	if r.Egress == nil {
		r.Egress = []string{}
	}
	for _, s := range m.Secrets {
		sr := SecretReview{Name: s.Name, Header: s.Header, Format: s.Format, Hosts: []string{}}
		if s.PerUser {
			sr.PerUserProvider = s.OAuth.Provider
		}
		for _, h := range m.SecretRules(s.Name) {
			sr.Hosts = append(sr.Hosts, h.String())
		}
		r.Secrets = append(r.Secrets, sr)
	}
	for _, a := range m.Actions {
		r.Actions = append(r.Actions, ActionReview{
			Name: a.Name, Description: a.Description, Effect: string(a.Effect), Scopes: m.NamespacedScopes(a),
		})
	}
	r.Limits = LimitsReview{
		Memory:    sizeText(m.Limits.MemoryBytes),
		Timeout:   durationText(m.Limits.Timeout),
		MaxOutput: sizeText(m.Limits.MaxOutput),
	}
	return r
}
