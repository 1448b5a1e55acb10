package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/store"
	"github.com/secure-agent/saa/host/wasm"
)

// Config configures a Runtime. Start from DefaultConfig, then FromEnv.
type Config struct {
	// DataDir holds the database, the compiled-module cache and generated keys.
	DataDir string
	// PluginsDir holds the trusted local manifests loaded at start. Their
	// wasm paths must stay inside its parent folder.
	PluginsDir string
	// LoadOnly, if set, names the only plugins of PluginsDir to load and
	// compile (every manifest is still parsed): a one-shot call compiles
	// just the plugin it runs.
	LoadOnly []string
	// Production refuses generated keys (ENVIRONMENT=production).
	Production bool
	// EgressAllowCIDRs lets plugins reach otherwise refused addresses
	// (private, loopback...) inside these prefixes: internal APIs are real.
	EgressAllowCIDRs []netip.Prefix
	// Caps bound every plugin whatever its manifest asks; a manifest limit of
	// zero gets the cap.
	Caps Limits
	// Pool sizes each plugin's instance pool.
	Pool wasm.PoolOptions
	// Engine picks the Extism ABI implementation: empty or wasm.EngineSAA
	// (SAA's own kernel, the default) or wasm.EngineExtism (the go-sdk).
	Engine wasm.Engine
	// MaxInput bounds the input of one call.
	MaxInput int64
	// PluginConfig holds per-plugin config values (Extism config_get).
	PluginConfig map[string]map[string]string
	// Logger receives the runtime's logs; nil means slog.Default().
	Logger *slog.Logger
	// DB, when set, is used instead of opening DataDir/saa.db; the caller
	// keeps ownership.
	DB *store.DB
	// DatabaseURL (SAA_DATABASE_URL, postgres://...) puts every store on
	// PostgreSQL instead of DataDir/saa.db, so that several replicas share
	// them. It holds a password: never log it.
	DatabaseURL string
	// OnEgress, if set, is told of every outbound request a plugin attempts:
	// the host and the guard's verdict (for metrics). It must not block.
	OnEgress func(host, verdict string)
	// Resolver resolves egress host names; nil means the system resolver.
	Resolver egress.Resolver
	// EgressDial, if set, connects to addresses the egress guard vetted
	// (tests: egresstest.LoopbackOnly); nil means a plain dialer.
	EgressDial func(ctx context.Context, network, address string) (net.Conn, error)
	// Getenv reads the environment (SAA_MASTER_KEY); nil means os.Getenv.
	Getenv func(string) string
	// RAG configures handles for large outputs.
	RAG RAGConfig
	// PublicURL is where users reach the server (SAA_PUBLIC_URL): the
	// connect URL of a connected account a call needs is under it. Empty
	// gives a path without a host.
	PublicURL string
	// AccountsHTTPClient sends requests to OAuth providers' token
	// endpoints for connected accounts; nil means a 30-second client.
	AccountsHTTPClient *http.Client
	// Warehouses binds the warehouse names manifests declare to the
	// warehouses plugins read through saa_warehouse; a declared name the
	// operator did not bind is refused.
	Warehouses map[string]Warehouse
}

// Limits are operator caps and defaults for plugin limits.
type Limits struct {
	MemoryBytes int64
	Timeout     time.Duration
	MaxOutput   int64
}

// DefaultConfig returns the embedded defaults: everything under ./data, the
// manifests in ./manifests, and conservative caps.
func DefaultConfig() Config {
	return Config{
		DataDir:    "data",
		PluginsDir: "manifests",
		Caps: Limits{
			MemoryBytes: 256 << 20,
			Timeout:     30 * time.Second,
			MaxOutput:   16 << 20,
		},
		MaxInput: 8 << 20,
	}
}

// FromEnv applies the environment variables of DESIGN.md to c.
func (c Config) FromEnv(getenv func(string) string) (Config, error) {
	if v := getenv("SAA_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := getenv("SAA_PLUGINS_DIR"); v != "" {
		c.PluginsDir = v
	}
	switch env := getenv("ENVIRONMENT"); env {
	case "", "local":
	case "production":
		c.Production = true
	default:
		return c, fmt.Errorf("ENVIRONMENT: %q is not local or production", env)
	}
	if v := getenv("SAA_EGRESS_ALLOW_CIDRS"); v != "" {
		for _, s := range strings.Split(v, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return c, fmt.Errorf("SAA_EGRESS_ALLOW_CIDRS: %w", err)
			}
			c.EgressAllowCIDRs = append(c.EgressAllowCIDRs, p.Masked())
		}
	}
	if v := getenv("SAA_PLUGIN_CONFIG"); v != "" {
		// Per-plugin config values, such as a GitHub Enterprise base_url:
		// {"github": {"base_url": "https://github.example.com/api/v3"}}.
		if err := json.Unmarshal([]byte(v), &c.PluginConfig); err != nil {
			return c, fmt.Errorf("SAA_PLUGIN_CONFIG: want {\"plugin\": {\"key\": \"value\"}}: %w", err)
		}
	}
	c.DatabaseURL = getenv("SAA_DATABASE_URL")
	if v := getenv("SAA_PUBLIC_URL"); v != "" {
		c.PublicURL = v
	}
	c.Getenv = getenv
	return c.ragFromEnv(getenv)
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "" && c.DB == nil:
		return errors.New("config: data dir is required")
	case c.PluginsDir == "":
		return errors.New("config: plugins dir is required")
	case c.DatabaseURL != "" && c.DB != nil:
		return errors.New("config: a database URL and an open database are both set")
	case c.DatabaseURL != "" && !postgresURL(c.DatabaseURL):
		return errors.New("SAA_DATABASE_URL: want postgres://[user[:password]@]host[:port]/database[?...]")
	case c.Caps.MemoryBytes < 1<<20:
		return errors.New("config: memory cap below 1 MiB")
	case c.Caps.Timeout <= 0:
		return errors.New("config: timeout cap must be positive")
	case c.Caps.MaxOutput <= 0:
		return errors.New("config: output cap must be positive")
	case c.MaxInput <= 0:
		return errors.New("config: input cap must be positive")
	}
	return nil
}

// effective returns the limits a plugin runs under: its own, capped by the operator's.
func (c Limits) effective(asked Limits) wasm.Limits {
	pick := func(asked, cap int64) int64 {
		if asked <= 0 || asked > cap {
			return cap
		}
		return asked
	}
	return wasm.Limits{
		MemoryBytes: pick(asked.MemoryBytes, c.MemoryBytes),
		Timeout:     time.Duration(pick(int64(asked.Timeout), int64(c.Timeout))),
		MaxOutput:   pick(asked.MaxOutput, c.MaxOutput),
	}
}

// postgresURL reports whether s is a postgres:// or postgresql:// URL (a
// host-less one connects over the unix socket). It does not echo s, which
// may hold a password.
func postgresURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}
