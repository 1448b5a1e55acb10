package host

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/tetratelabs/wazero"
	"golang.org/x/sync/errgroup"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/backend"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/store"
	"github.com/secure-agent/saa/host/wasm"
	"github.com/secure-agent/saa/manifests"
)

// maxWasmBytes bounds a plugin module read from disk.
const maxWasmBytes = 64 << 20

// Runtime runs plugin actions. It is safe for concurrent use.
type Runtime struct {
	cfg     Config
	log     *slog.Logger
	data    backend.DB
	db      *store.DB // data's bbolt database; nil on PostgreSQL
	ownDB   bool
	cache   wazero.CompilationCache
	guard   *egress.Guard
	secrets *secrets.Store
	// accounts gives per-user secrets: users' connected-account tokens.
	accounts *accounts.Service
	audit    *auditWriter
	rag      *rag.Store

	mu      sync.RWMutex
	plugins map[string]*plugin

	watchMu  sync.Mutex
	watchers map[int]func()
	watchSeq int
}

// plugin is a loaded plugin: its manifest, compiled module and egress policy.
type plugin struct {
	manifest *manifests.Manifest
	module   *wasm.Module
	policy   *egress.Policy
	inflight sync.WaitGroup // calls running on this version
}

// New opens the data dir, loads and compiles every manifest in the plugins
// dir, and returns a ready runtime. Close it when done.
func New(ctx context.Context, cfg Config) (_ *Runtime, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rt := &Runtime{cfg: cfg, log: cfg.Logger, plugins: map[string]*plugin{}}
	if rt.log == nil {
		rt.log = slog.Default()
	}
	defer func() {
		if err != nil {
			rt.Close(ctx)
		}
	}()
	rt.guard = egress.New(egress.Config{AllowCIDRs: cfg.EgressAllowCIDRs, Resolver: cfg.Resolver, OnRequest: cfg.OnEgress, Dial: cfg.EgressDial})
	if err := rt.openData(ctx); err != nil {
		return nil, err
	}
	rt.audit = newAuditWriter(audit.NewLog(rt.data.Audit()), rt.log)
	if err := rt.openRAG(ctx); err != nil {
		return nil, err
	}
	if err := rt.loadDir(ctx, cfg.PluginsDir); err != nil {
		return nil, err
	}
	return rt, nil
}

// openData opens the database, the secret store and the compilation cache.
func (rt *Runtime) openData(ctx context.Context) error {
	getenv := rt.cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if err := os.MkdirAll(rt.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	var err error
	if rt.data, rt.db, rt.ownDB, err = openDatabase(ctx, rt.cfg); err != nil {
		return err
	}
	key, err := secrets.LoadMasterKey(rt.cfg.DataDir, getenv, rt.cfg.Production)
	if err != nil {
		return err
	}
	if err := checkMasterKey(ctx, rt.data, key); err != nil {
		return err
	}
	if rt.secrets, err = secrets.New(rt.data.Secrets(), key); err != nil {
		return err
	}
	rt.accounts = accounts.New(accounts.Config{
		Store:      accounts.NewSealedStore(rt.secrets.Box(rt.data.Accounts())),
		PublicURL:  rt.cfg.PublicURL,
		HTTPClient: rt.cfg.AccountsHTTPClient,
		Guard:      rt.guard,
	})
	rt.cache, err = wazero.NewCompilationCacheWithDir(filepath.Join(rt.cfg.DataDir, "wasm-cache"))
	if err != nil {
		return fmt.Errorf("open compilation cache: %w", err)
	}
	return nil
}

// loadDir loads every manifest in dir, compiling plugins in parallel.
func (rt *Runtime) loadDir(ctx context.Context, dir string) error {
	loaded, err := manifests.LoadDir(dir)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	root := filepath.Dir(abs)
	var g errgroup.Group
	g.SetLimit(2)
	for _, l := range loaded {
		if len(rt.cfg.LoadOnly) > 0 && !slices.Contains(rt.cfg.LoadOnly, l.Name) {
			continue
		}
		g.Go(func() error {
			p, err := rt.load(ctx, l, root)
			if err != nil {
				return fmt.Errorf("load %s: %w", l.File, err)
			}
			rt.mu.Lock()
			rt.plugins[l.Name] = p
			rt.mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// load reads a local manifest's module, verifying its digest, and compiles it.
func (rt *Runtime) load(ctx context.Context, l manifests.Loaded, root string) (*plugin, error) {
	path, err := l.WasmFile(root)
	if err != nil {
		return nil, err
	}
	code, err := manifests.ReadWasm(path, l.Wasm.SHA256, maxWasmBytes)
	if err != nil {
		return nil, err
	}
	return rt.compile(ctx, l.Manifest, code)
}

// compile compiles a verified module under its manifest's limits, capped by
// the operator's.
func (rt *Runtime) compile(ctx context.Context, m *manifests.Manifest, code []byte) (*plugin, error) {
	asked := Limits{MemoryBytes: m.Limits.MemoryBytes, Timeout: m.Limits.Timeout, MaxOutput: m.Limits.MaxOutput}
	mod, err := wasm.Compile(ctx, code, wasm.Options{
		Name:   m.Name,
		Limits: rt.cfg.Caps.effective(asked),
		Config: rt.cfg.PluginConfig[m.Name],
		Cache:  rt.cache,
		Pool:   rt.cfg.Pool,
		Engine: rt.cfg.Engine,
	})
	if err != nil {
		return nil, err
	}
	return &plugin{manifest: m, module: mod, policy: policyFor(m)}, nil
}

// Install verifies code against m's digest, compiles it and makes it the
// active version of plugin m.Name, replacing any other. Calls already running
// on the replaced version finish on it; new calls get the new one.
func (rt *Runtime) Install(ctx context.Context, m *manifests.Manifest, code []byte) error {
	if err := manifests.VerifyWasm(code, m.Wasm.SHA256); err != nil {
		return fmt.Errorf("install %s: %w", m.Name, err)
	}
	p, err := rt.compile(ctx, m, code)
	if err != nil {
		return fmt.Errorf("install %s: %w", m.Name, err)
	}
	rt.mu.Lock()
	old := rt.plugins[m.Name]
	rt.plugins[m.Name] = p
	rt.mu.Unlock()
	rt.retire(old)
	rt.changed()
	return nil
}

// Remove deactivates plugin name at once: new calls get ErrNotFound, calls
// already running finish. It reports whether the plugin was active.
func (rt *Runtime) Remove(name string) bool {
	rt.mu.Lock()
	old, ok := rt.plugins[name]
	delete(rt.plugins, name)
	rt.mu.Unlock()
	rt.retire(old)
	if ok {
		rt.changed()
	}
	return ok
}

// retire closes p once its in-flight calls are done.
func (rt *Runtime) retire(p *plugin) {
	if p == nil {
		return
	}
	go func() {
		p.inflight.Wait()
		p.module.Close(context.Background())
	}()
}

// policyFor turns a manifest's egress and secret declarations into the guard's policy.
func policyFor(m *manifests.Manifest) *egress.Policy {
	pol := &egress.Policy{Plugin: m.Name}
	for _, r := range m.EgressRules() {
		pol.Rules = append(pol.Rules, r)
	}
	for _, s := range m.Secrets {
		b := egress.SecretBinding{Name: s.Name, Header: s.Header, Format: s.Format}
		for _, h := range s.Hosts {
			if r, err := manifests.ParseEgressRule(h); err == nil {
				b.Hosts = append(b.Hosts, r)
			}
		}
		pol.Secrets = append(pol.Secrets, b)
	}
	return pol
}

// Plugins returns the manifests of the loaded plugins, sorted by name. The
// caller must not modify them.
func (rt *Runtime) Plugins() []*manifests.Manifest {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	out := make([]*manifests.Manifest, 0, len(rt.plugins))
	for _, p := range rt.plugins {
		out = append(out, p.manifest)
	}
	slices.SortFunc(out, func(a, b *manifests.Manifest) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func (rt *Runtime) plugin(name string) (*plugin, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	p, ok := rt.plugins[name]
	return p, ok
}

// acquire returns the active version of plugin name, counted as in flight
// until the caller calls its inflight.Done. Counting under the read lock
// means Remove and Install never close a version a call has picked.
func (rt *Runtime) acquire(name string) (*plugin, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	p, ok := rt.plugins[name]
	if ok {
		p.inflight.Add(1)
	}
	return p, ok
}

// Secrets returns the store of execution-time secrets.
func (rt *Runtime) Secrets() *secrets.Store { return rt.secrets }

// Accounts returns the service of users' connected accounts, whose tokens
// per-user secrets inject.
func (rt *Runtime) Accounts() *accounts.Service { return rt.accounts }

// DB returns the runtime's bbolt database, or nil when it runs on
// PostgreSQL (Config.DatabaseURL); Backend serves either.
func (rt *Runtime) DB() *store.DB { return rt.db }

// Backend returns the runtime's database, bbolt or PostgreSQL, for the
// server's other stores (backend.Server checks it has them all).
func (rt *Runtime) Backend() backend.DB { return rt.data }

// Close closes every plugin and, if the runtime opened it, the database.
func (rt *Runtime) Close(ctx context.Context) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var errs []error
	for name, p := range rt.plugins {
		errs = append(errs, p.module.Close(ctx))
		delete(rt.plugins, name)
	}
	if rt.rag != nil {
		errs = append(errs, rt.rag.Close())
	}
	if rt.audit != nil {
		rt.audit.close()
	}
	if rt.cache != nil {
		errs = append(errs, rt.cache.Close(ctx))
	}
	if rt.ownDB && rt.data != nil {
		errs = append(errs, rt.data.Close())
	}
	return errors.Join(errs...)
}

// RequiredScopes returns the namespaced scopes plugin.action requires, or nil
// if there is no such action.
func (rt *Runtime) RequiredScopes(pluginName, action string) []string {
	pl, ok := rt.plugin(pluginName)
	if !ok {
		return nil
	}
	act, ok := pl.manifest.Action(action)
	if !ok {
		return nil
	}
	return pl.manifest.NamespacedScopes(act)
}

// Audit returns the audit log that every invocation is recorded in.
func (rt *Runtime) Audit() *audit.Log { return rt.audit.log }

// PoolStats reports the instance pool of a plugin, for metrics; zero if the
// plugin is not loaded.
func (rt *Runtime) PoolStats(pluginName string) wasm.PoolStats {
	if p, ok := rt.plugin(pluginName); ok {
		return p.module.Stats()
	}
	return wasm.PoolStats{}
}
