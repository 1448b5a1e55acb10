package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/manifests"
)

// maxSecretBytes bounds a secret value.
const maxSecretBytes = 8 << 10

// SecretStore is the part of secrets.Store that Secrets uses.
type SecretStore interface {
	Put(ctx context.Context, plugin, name, value string) error
	Delete(ctx context.Context, plugin, name string) error
	List(ctx context.Context) ([]secrets.Ref, error)
}

// DeclaredSecret is a secret a plugin declares, or a stored one no plugin
// declares any more. It never holds a value.
type DeclaredSecret struct {
	Plugin string   `json:"plugin"`
	Name   string   `json:"name"`
	Header string   `json:"header,omitempty"`
	Hosts  []string `json:"hosts"`
	// Declared is false for a stored secret that no manifest declares.
	Declared bool `json:"declared"`
	// Set is true when a value is stored.
	Set bool `json:"set"`
}

// SecretsConfig wires Secrets.
type SecretsConfig struct {
	Store SecretStore
	// Plugins returns the runtime's manifests, local and published.
	Plugins func() []*manifests.Manifest
	// Registry adds the secrets of published versions not yet serving, so
	// that an admin can set them before approving; nil for none.
	Registry *Registry
	// Audit receives an entry per change; nil records nothing.
	Audit  *audit.Log
	Logger *slog.Logger
	// Host lists secrets the host itself uses (LLM provider keys, in the
	// namespace "llm" that no plugin may take), shown and set like plugins'.
	Host []DeclaredSecret
}

// Secrets lets an admin see and set the secrets plugins declare. Values go
// in and never come out.
type Secrets struct {
	cfg SecretsConfig
	log *slog.Logger
}

// NewSecrets returns the service, or an error if the store or the plugins
// are missing.
func NewSecrets(cfg SecretsConfig) (*Secrets, error) {
	if cfg.Store == nil || cfg.Plugins == nil {
		return nil, errors.New("registry secrets: Store and Plugins are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Secrets{cfg: cfg, log: cfg.Logger.With("component", "secrets")}, nil
}

// List returns every declared secret, and every stored one, by plugin and name.
func (s *Secrets) List(ctx context.Context) ([]DeclaredSecret, error) {
	declared, err := s.declared(ctx)
	if err != nil {
		return nil, err
	}
	refs, err := s.cfg.Store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	for _, ref := range refs {
		i := slices.IndexFunc(declared, func(d DeclaredSecret) bool { return d.Plugin == ref.Plugin && d.Name == ref.Name })
		if i < 0 {
			declared = append(declared, DeclaredSecret{Plugin: ref.Plugin, Name: ref.Name, Hosts: []string{}})
			i = len(declared) - 1
		}
		declared[i].Set = true
	}
	slices.SortFunc(declared, func(a, b DeclaredSecret) int {
		return cmp.Or(cmp.Compare(a.Plugin, b.Plugin), cmp.Compare(a.Name, b.Name))
	})
	return declared, nil
}

// Put stores value as plugin's secret name, which the plugin must declare.
func (s *Secrets) Put(ctx context.Context, plugin, name, value, admin string) error {
	if value == "" || len(value) > maxSecretBytes {
		return fmt.Errorf("put secret: %w: a value has 1 to %d bytes", ErrInvalidInput, maxSecretBytes)
	}
	declared, err := s.declared(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(declared, func(d DeclaredSecret) bool { return d.Plugin == plugin && d.Name == name }) {
		return fmt.Errorf("put secret: plugin %q declares no secret %q: %w", plugin, name, ErrNotFound)
	}
	if err := s.cfg.Store.Put(ctx, plugin, name, value); err != nil {
		return fmt.Errorf("put secret: %w", err)
	}
	s.record(ctx, admin, "secret.put", plugin, "secret "+name)
	return nil
}

// Delete removes plugin's secret name, declared or not.
func (s *Secrets) Delete(ctx context.Context, plugin, name, admin string) error {
	err := s.cfg.Store.Delete(ctx, plugin, name)
	if errors.Is(err, secrets.ErrNotFound) || errors.Is(err, secrets.ErrInvalidName) {
		return fmt.Errorf("delete secret: plugin %q has no secret %q: %w", plugin, name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete secret: %w", err)
	}
	s.record(ctx, admin, "secret.delete", plugin, "secret "+name)
	return nil
}

// declared collects the secrets of the runtime's manifests, then of the
// published versions that are pending or approved; the first declaration
// of a plugin's secret wins.
func (s *Secrets) declared(ctx context.Context) ([]DeclaredSecret, error) {
	var published []*manifests.Manifest
	if s.cfg.Registry != nil {
		var err error
		if published, err = s.cfg.Registry.liveManifests(ctx); err != nil {
			return nil, err
		}
	}
	all := slices.Concat(s.cfg.Plugins(), published)
	out := slices.Clone(s.cfg.Host)
	if out == nil {
		out = []DeclaredSecret{}
	}
	for _, m := range all {
		for _, sec := range m.Secrets {
			if sec.PerUser {
				continue // each user's connected account, never a value the admin sets
			}
			if slices.ContainsFunc(out, func(d DeclaredSecret) bool { return d.Plugin == m.Name && d.Name == sec.Name }) {
				continue
			}
			hosts := []string{}
			for _, r := range m.SecretRules(sec.Name) {
				hosts = append(hosts, r.String())
			}
			out = append(out, DeclaredSecret{Plugin: m.Name, Name: sec.Name, Header: sec.Header, Hosts: hosts, Declared: true})
		}
	}
	return out, nil
}

func (s *Secrets) record(ctx context.Context, who, action, plugin, detail string) {
	if s.cfg.Audit == nil {
		return
	}
	e := audit.Entry{Kind: audit.KindAdmin, Subject: who, Action: action, Plugin: plugin, Detail: detail, Outcome: audit.OutcomeOK}
	if err := s.cfg.Audit.Append(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", logKeyPlugin, plugin, "action", action, logKeyErr, err)
	}
}

// liveManifests returns the manifests of every pending or approved
// version, newest first per plugin.
func (r *Registry) liveManifests(ctx context.Context) ([]*manifests.Manifest, error) {
	recs, err := r.store.ListPlugins(ctx)
	if err != nil {
		return nil, fmt.Errorf("list plugins: %w", err)
	}
	var out []*manifests.Manifest
	for _, p := range recs {
		for i := len(p.Versions) - 1; i >= 0; i-- {
			if p.Versions[i].Status == StatusRejected {
				continue
			}
			m, err := r.manifest(ctx, p.Versions[i].ManifestSHA256)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}
