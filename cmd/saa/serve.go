package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	adminui "github.com/secure-agent/saa/admin-ui"
	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/backend"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/mcp"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/runs"
)

// defaultAddr is SAA_ADDR's default.
const defaultAddr = "127.0.0.1:8080"

// logFlush is how often buffered log lines are written out at the latest.
const logFlush = 200 * time.Millisecond

// serveConfig is `saa serve`'s configuration: DESIGN.md's environment, then
// flags, which win. Secrets (keys, passwords) come only from the
// environment: a command line is visible to every local user.
type serveConfig struct {
	addr string
	host host.Config
	// semanticDir is SAA_SEMANTIC_DIR; semanticSet says it was chosen, so
	// that its absence is an error rather than "no layer".
	semanticDir string
	semanticSet bool
	auth        auth.Config
	getenv      func(string) string
	quotas      quotas
	// signup is SAA_SIGNUP=open: anyone may create a user account.
	signup bool
	// replica is SAA_REPLICA_ID: this replica's name in run leases and,
	// on PostgreSQL, its DBOS executor id.
	replica string
}

// quotas are the per-client storage quotas (SAA_QUOTA_*); a zero field is
// the component's default.
type quotas struct {
	idempotency, runs, bundles quota.Limit
}

// loadQuotas reads SAA_QUOTA_IDEMPOTENCY, SAA_QUOTA_RUNS and
// SAA_QUOTA_BUNDLES ("<count>/<size>", such as "10000/256MiB").
func loadQuotas(getenv func(string) string) (quotas, error) {
	var q quotas
	for name, dst := range map[string]*quota.Limit{
		"SAA_QUOTA_IDEMPOTENCY": &q.idempotency, "SAA_QUOTA_RUNS": &q.runs, "SAA_QUOTA_BUNDLES": &q.bundles,
	} {
		if v := getenv(name); v != "" {
			l, err := quota.Parse(v)
			if err != nil {
				return quotas{}, fmt.Errorf("%s: %w", name, err)
			}
			*dst = l
		}
	}
	return q, nil
}

// loadServeConfig reads the environment, then the flags.
// loadSignup reads SAA_SIGNUP: "open" lets anyone create a user account,
// "off" (the default) leaves that to admins.
func loadSignup(getenv func(string) string) (bool, error) {
	switch v := getenv("SAA_SIGNUP"); v {
	case "", "off":
		return false, nil
	case "open":
		return true, nil
	default:
		return false, fmt.Errorf("SAA_SIGNUP must be open or off, got %q", v)
	}
}

func loadServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	c := serveConfig{addr: defaultAddr, auth: auth.DefaultConfig(), getenv: getenv, semanticDir: defaultSemanticDir}
	if v := getenv("SAA_ADDR"); v != "" {
		c.addr = v
	}
	if v := getenv("SAA_SEMANTIC_DIR"); v != "" {
		c.semanticDir, c.semanticSet = v, true
	}
	var err error
	if c.host, err = host.DefaultConfig().FromEnv(getenv); err != nil {
		return c, err
	}
	c.auth.ApplyEnv(getenv)
	if c.quotas, err = loadQuotas(getenv); err != nil {
		return c, err
	}
	if c.signup, err = loadSignup(getenv); err != nil {
		return c, err
	}

	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", c.addr, "listen address (SAA_ADDR)")
	publicURL := fs.String("public-url", getenv("SAA_PUBLIC_URL"), "base URL, token iss and aud (SAA_PUBLIC_URL; default http:// + addr)")
	fs.StringVar(&c.host.DataDir, "data-dir", c.host.DataDir, "data directory (SAA_DATA_DIR)")
	fs.StringVar(&c.host.PluginsDir, "plugins-dir", c.host.PluginsDir, "manifests loaded at start (SAA_PLUGINS_DIR)")
	semanticDir := fs.String("semantic-dir", "", "semantic-layer YAML loaded at start (SAA_SEMANTIC_DIR; default "+defaultSemanticDir+")")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if *semanticDir != "" {
		c.semanticDir, c.semanticSet = *semanticDir, true
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve takes no arguments, got %q", fs.Arg(0))
	}
	c.auth.PublicURL = "http://" + c.addr
	if *publicURL != "" {
		c.auth.PublicURL = *publicURL
	}
	c.auth.DataDir = c.host.DataDir
	if c.replica, err = replicaID(getenv, c.host.DataDir); err != nil {
		return c, err
	}
	c.host.PublicURL = c.auth.PublicURL
	c.auth.Resources = []string{strings.TrimRight(c.auth.PublicURL, "/") + mcp.Path}
	if c.host.Production {
		c.auth.Environment = auth.EnvProduction
	}
	return c, nil
}

// runServe runs the server until ctx ends (SIGINT or SIGTERM), then drains
// in-flight calls and runs and exits.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := loadServeConfig(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return fail(stderr, err)
	}
	// Logs are written in batches (logFlush): one write per access-log line
	// would cost more than many handlers.
	logOut := httpapi.NewLogWriter(stderr, logFlush)
	err = serve(ctx, cfg, slog.New(slog.NewJSONHandler(logOut, nil)), stdout)
	logOut.Close()
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

// serve assembles every part on the runtime's one database and serves
// until ctx ends.
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout io.Writer) (err error) {
	if err := checkSharedKeys(cfg.getenv); err != nil {
		return err
	}
	metrics := httpapi.NewMetrics()
	layer, err := loadSemanticLayer(cfg, log)
	if err != nil {
		return err
	}
	passwords := &warehousePasswords{}
	warehouses, closeWarehouses, err := bindWarehouses(cfg.getenv, layer, passwords)
	if err != nil {
		return err
	}
	defer closeWarehouses()
	cfg.host.Warehouses = warehouses
	cfg.host.Logger = log.With("component", "runtime")
	cfg.host.OnEgress = metrics.ObserveEgress
	rt, err := host.New(ctx, cfg.host)
	if err != nil {
		return err
	}
	passwords.store.Store(rt.Secrets())
	defer rt.Close(context.WithoutCancel(ctx))
	data, err := serverStores(cfg, rt)
	if err != nil {
		return err
	}

	authSrv, password, err := startAuth(ctx, cfg, rt, data, log)
	if err != nil {
		return err
	}
	reg, secs, err := startRegistry(ctx, rt, data, cfg.quotas.bundles, hostSecrets(cfg.getenv), log)
	if err != nil {
		return err
	}
	agentRuns, catalog, stopAgents, err := startAgents(ctx, cfg, rt, data, metrics, log)
	if err != nil {
		return err
	}
	defer stopAgents()
	admin, err := adminapi.New(adminapi.Config{
		Clients: authSrv.Clients(), Users: authSrv.Users(), Verifier: authSrv.Verifier(),
		Audit: rt.Audit(), Registry: reg, Secrets: secs, Keys: authSrv.Keys(), Accounts: rt.Accounts(), Agents: catalog, Logger: log,
	})
	if err != nil {
		return err
	}
	mgr, idem, err := startRuns(ctx, cfg, rt, data, metrics, log)
	if err != nil {
		return err
	}
	defer func() {
		// After the HTTP drain: runs in flight get the same time to finish;
		// queued ones stay queued for the next start.
		drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpapi.DefaultDrainTimeout)
		defer cancel()
		err = errors.Join(err, mgr.Shutdown(drain))
	}()
	var agentEngine agents.Engine // the Runs page, when agents run
	if agentRuns != nil {
		agentEngine = agentRuns.Engine
	}
	ui, err := adminui.New(adminui.Config{
		Clients: authSrv.Clients(), Users: authSrv.Users(), Runtime: rt, Agents: agentEngine,
		Registry: reg, Secrets: secs, Accounts: rt.Accounts(), PublicURL: cfg.auth.PublicURL, Logger: log.With("component", "admin-ui"),
		Authorizer: authSrv, Grants: authSrv.Grants(), Signup: cfg.signup,
	})
	if err != nil {
		return err
	}
	var agentSet func() agents.Set // the prompts, as the catalog has them now
	if agentRuns != nil {
		agentSet = agentRuns.Definitions
	}
	mcpSrv, err := mcp.New(mcp.Config{
		Semantic: layer, Agents: agentSet,
		Runtime: rt, Verifier: authSrv.Verifier(), PublicURL: cfg.auth.PublicURL,
		Approval: cfg.getenv("SAA_MCP_APPROVAL"),
		Logger:   log.With("component", "mcp"),
	})
	if err != nil {
		return err
	}
	defer mcpSrv.Close()
	srv, err := httpapi.New(httpapi.Config{
		MCP:     mcpSrv,
		AdminUI: ui.Handler(), Semantic: layer,
		Runtime: rt, Auth: authSrv, Admin: admin, Runs: mgr, Idempotency: idem, Agents: agentRuns,
		Metrics: metrics, Logger: log.With("component", "http"), PublicURL: cfg.auth.PublicURL,
		LimitStore: httpapi.StoredLimits{Docs: data.ClientLimits()},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpapi.PrintWelcome(stdout, rt, cfg.auth.PublicURL, password)
	log.Info("serving", "addr", ln.Addr().String(), "replica", cfg.replica, "public_url", cfg.auth.PublicURL, "plugins", len(rt.Plugins()))
	return srv.Serve(ctx, ln)
}

// serverStores returns the runtime's database with every store the server
// needs, or says which one its backend lacks.
func serverStores(cfg serveConfig, rt *host.Runtime) (backend.ServerDB, error) {
	data, err := backend.Server(rt.Backend())
	if err != nil && cfg.host.DatabaseURL != "" {
		return nil, fmt.Errorf("SAA_DATABASE_URL: %w on PostgreSQL", err)
	}
	return data, err
}

// startRegistry opens the registry of published plugins and installs every
// enabled plugin's active version. Published plugins never shadow the
// trusted local ones loaded from the plugins dir.
func startRegistry(ctx context.Context, rt *host.Runtime, data backend.ServerDB, pending quota.Limit, hostSecrets []registry.DeclaredSecret, log *slog.Logger) (*registry.Registry, *registry.Secrets, error) {
	var local []string
	for _, m := range rt.Plugins() {
		local = append(local, m.Name)
	}
	reg, err := registry.New(registry.Config{
		Store: data.Registry(), Runtime: rt, LocalNames: func() []string { return local },
		Audit: rt.Audit(), Logger: log.With("component", "registry"), PendingQuota: pending,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := reg.Restore(ctx); err != nil {
		return nil, nil, fmt.Errorf("restore published plugins: %w", err)
	}
	secs, err := registry.NewSecrets(registry.SecretsConfig{
		Store: rt.Secrets(), Plugins: rt.Plugins, Registry: reg, Audit: rt.Audit(), Logger: log, Host: hostSecrets,
	})
	return reg, secs, err
}

// startAuth builds the authorization server on the runtime's database and
// creates the admin user on first start, returning its password if it was
// generated.
func startAuth(ctx context.Context, cfg serveConfig, rt *host.Runtime, data backend.ServerDB, log *slog.Logger) (*auth.Server, string, error) {
	cfg.auth.Store = data.Auth()
	cfg.auth.Logger = log
	s, err := auth.New(cfg.auth)
	if err != nil {
		return nil, "", err
	}
	s.SetScopes(actionScopes(rt))
	password, err := s.EnsureAdmin(ctx)
	if err != nil {
		return nil, "", err
	}
	return s, password, nil
}

// startRuns starts the run manager: runs left by a previous process are
// finished or marked failed now, and callbacks go out through an egress
// guard of their own, under the operator's SAA_EGRESS_ALLOW_CIDRS.
func startRuns(ctx context.Context, cfg serveConfig, rt *host.Runtime, db backend.ServerDB, metrics *httpapi.Metrics, log *slog.Logger) (*runs.Manager, *runs.Idempotency, error) {
	key, err := runs.LoadWebhookKey(cfg.host.DataDir, cfg.getenv, cfg.host.Production)
	if err != nil {
		return nil, nil, err
	}
	guard := egress.New(egress.Config{AllowCIDRs: cfg.host.EgressAllowCIDRs, OnRequest: metrics.ObserveEgress})
	idem := runs.NewIdempotency(db.Idempotency())
	idem.SetQuota(cfg.quotas.idempotency)
	mgr, err := runs.New(runs.Config{
		Store: db.Runs(), Invoker: metrics.Invoker(rt), Idempotency: idem, Quota: cfg.quotas.runs,
		Sender: httpapi.NewCallbackSender(guard), WebhookKey: key, Logger: log, Replica: cfg.replica,
	})
	if err != nil {
		return nil, nil, err
	}
	// The manager outlives ctx: serve shuts it down after the HTTP drain.
	if err := mgr.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, nil, err
	}
	return mgr, idem, nil
}

// actionScopes lists every scope the loaded actions require, for the
// authorization server's metadata.
func actionScopes(rt *host.Runtime) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range rt.Plugins() {
		for _, a := range m.Actions {
			for _, s := range m.NamespacedScopes(a) {
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// runHealthcheck is `saa healthcheck`, for container HEALTHCHECKs (the image
// has no shell or curl): it GETs /readyz on SAA_ADDR and exits 0 if ready.
func runHealthcheck(ctx context.Context, _ []string, stdout, stderr io.Writer) int {
	addr := os.Getenv("SAA_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fail(stderr, fmt.Errorf("SAA_ADDR: %w", err))
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail(stderr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(stderr, fmt.Errorf("not ready: %s", resp.Status))
	}
	fmt.Fprintln(stdout, "ready")
	return 0
}
