package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/manifests"
)

// ErrNotFound means no published plugin, version or publisher has that name.
var ErrNotFound = errors.New("not found")

// ErrConflict means the change contradicts the registry's state: the
// version exists, the name belongs to a local plugin or another publisher,
// the version is not pending, or too many versions are pending.
var ErrConflict = errors.New("conflict")

// ErrInvalidBundle wraps every bundle error (see host/bundle) of Submit.
var ErrInvalidBundle = errors.New("invalid bundle")

// ErrTooLarge means a bundle is over Config.MaxBundleBytes; Submit wraps it
// in ErrInvalidBundle too.
var ErrTooLarge = bundle.ErrTooLarge

// ErrSignatureRequired means the publisher requires a valid signature by a
// key an admin trusts for it, and the version has none.
var ErrSignatureRequired = errors.New("a signature by a trusted key is required")

// ErrNotApproved means a rollback targets a version that was never approved.
var ErrNotApproved = errors.New("version not approved")

// ErrInstall means the runtime refused to install a version (its module
// does not compile, or lacks an export an action needs); nothing changed.
var ErrInstall = errors.New("the runtime could not install the version")

// ErrInvalidInput means an argument is malformed (a key, a reason, a name).
var ErrInvalidInput = errors.New("invalid input")

// DefaultMaxBundleBytes bounds an uploaded bundle when Config leaves it zero.
const DefaultMaxBundleBytes = bundle.DefaultMaxBundle

// Log attribute keys.
const (
	logKeyPlugin  = "plugin"
	logKeyVersion = "version"
	logKeyErr     = "err"
)

// Runtime is the part of host.Runtime the registry drives.
type Runtime interface {
	// Install makes m (verified against code) the active version of m.Name.
	Install(ctx context.Context, m *manifests.Manifest, code []byte) error
	// Remove deactivates a plugin at once; calls in flight finish.
	Remove(name string) bool
}

// Config wires a Registry.
type Config struct {
	Store   Store
	Runtime Runtime
	// LocalNames returns the names of the trusted local plugins (the
	// plugins dir), which published bundles may never shadow.
	LocalNames func() []string
	// Audit receives an entry per change; nil records nothing.
	Audit *audit.Log
	// MaxBundleBytes bounds an uploaded bundle; DefaultMaxBundleBytes if zero.
	MaxBundleBytes int64
	// MaxParses bounds the bundles read at once (DefaultMaxParses if zero),
	// and ParseWait how long a submission waits for its turn
	// (DefaultParseWait if zero).
	MaxParses int
	ParseWait time.Duration
	// PendingQuota bounds each submitter's pending versions and their
	// modules' bytes; zero fields take DefaultPendingQuota and
	// DefaultPendingBytes, negative ones mean no bound.
	PendingQuota quota.Limit
	// Logger receives the component's logs; slog.Default() if nil.
	Logger *slog.Logger
}

// Registry is the published plugins' review and lifecycle service. It is
// safe for concurrent use; changes are serialised.
type Registry struct {
	store Store
	rt    Runtime
	local func() []string
	audit *audit.Log
	max   int64
	log   *slog.Logger
	quota quota.Limit
	// parses bounds concurrent bundle reads; parseWait is a turn's wait.
	parses    gate
	parseWait time.Duration
	now       func() time.Time
	cache     manifestCache

	mu sync.Mutex // serialises every change to records and the runtime
}

// New returns a registry, or an error if the store or the runtime is missing.
func New(cfg Config) (*Registry, error) {
	if cfg.Store == nil || cfg.Runtime == nil {
		return nil, errors.New("registry: Store and Runtime are required")
	}
	if cfg.LocalNames == nil {
		cfg.LocalNames = func() []string { return nil }
	}
	if cfg.MaxBundleBytes <= 0 {
		cfg.MaxBundleBytes = DefaultMaxBundleBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.MaxParses = cmp.Or(max(cfg.MaxParses, 0), DefaultMaxParses)
	cfg.ParseWait = cmp.Or(max(cfg.ParseWait, 0), DefaultParseWait)
	return &Registry{
		store: cfg.Store, rt: cfg.Runtime, local: cfg.LocalNames, audit: cfg.Audit,
		max: cfg.MaxBundleBytes, log: cfg.Logger.With("component", "registry"), now: time.Now,
		quota: pendingQuota(cfg.PendingQuota), parses: make(gate, cfg.MaxParses), parseWait: cfg.ParseWait,
		cache: manifestCache{byHash: map[string]*manifests.Manifest{}},
	}, nil
}

// pendingQuota applies the defaults: zero is the default, negative none.
func pendingQuota(l quota.Limit) quota.Limit {
	switch {
	case l.Count == 0:
		l.Count = DefaultPendingQuota
	case l.Count < 0:
		l.Count = 0
	}
	switch {
	case l.Bytes == 0:
		l.Bytes = DefaultPendingBytes
	case l.Bytes < 0:
		l.Bytes = 0
	}
	return l
}

// MaxBundleBytes is the largest bundle Submit accepts.
func (r *Registry) MaxBundleBytes() int64 { return r.max }

// isLocal reports whether name belongs to a trusted local plugin.
func (r *Registry) isLocal(name string) bool { return slices.Contains(r.local(), name) }

// record appends an admin audit entry. The change it records is made, so a
// failure to record is logged rather than returned.
func (r *Registry) record(ctx context.Context, who, action, plugin, detail string) {
	if r.audit == nil {
		return
	}
	e := audit.Entry{Kind: audit.KindAdmin, Subject: who, Action: action, Plugin: plugin, Detail: detail, Outcome: audit.OutcomeOK}
	if err := r.audit.Append(ctx, e); err != nil {
		r.log.ErrorContext(ctx, "audit append failed", logKeyPlugin, plugin, "action", action, logKeyErr, err)
	}
}

// plugin returns the record of a published plugin.
func (r *Registry) plugin(ctx context.Context, name string) (PluginRecord, error) {
	p, err := r.store.GetPlugin(ctx, name)
	if err != nil {
		return PluginRecord{}, fmt.Errorf("plugin %q: %w", name, err)
	}
	return p, nil
}

// publisher returns the record of a publisher, empty if none was stored.
func (r *Registry) publisher(ctx context.Context, name string) (PublisherRecord, error) {
	p, err := r.store.GetPublisher(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return PublisherRecord{Name: name}, nil
	}
	if err != nil {
		return PublisherRecord{}, fmt.Errorf("publisher %q: %w", name, err)
	}
	return p, nil
}

// manifestCache keeps parsed manifests by the SHA-256 of their bytes.
type manifestCache struct {
	mu     sync.Mutex
	byHash map[string]*manifests.Manifest
}

// maxCached bounds the cache; it is cleared when full.
const maxCached = 512

// manifest returns the parsed manifest stored under sha.
func (r *Registry) manifest(ctx context.Context, sha string) (*manifests.Manifest, error) {
	r.cache.mu.Lock()
	m, ok := r.cache.byHash[sha]
	r.cache.mu.Unlock()
	if ok {
		return m, nil
	}
	raw, err := r.store.GetBlob(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", sha, err)
	}
	if m, err = manifests.Parse(raw); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", sha, err)
	}
	r.cache.mu.Lock()
	if len(r.cache.byHash) >= maxCached {
		clear(r.cache.byHash)
	}
	r.cache.byHash[sha] = m
	r.cache.mu.Unlock()
	return m, nil
}
