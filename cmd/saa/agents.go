package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/dbosengine"
	"github.com/secure-agent/saa/host/backend"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/host/secrets"
)

// defaultAgentsDir is SAA_AGENTS_DIR's default.
const defaultAgentsDir = "manifests/agents"

// llmTimeout bounds one request to a model (a long completion is slow).
const llmTimeout = 2 * time.Minute

// loadAgentSet loads SAA_AGENTS_DIR. A missing default folder means no
// agents; a missing folder the operator named is an error.
func loadAgentSet(getenv func(string) string) (agents.Set, error) {
	dir := getenv("SAA_AGENTS_DIR")
	named := dir != ""
	if !named {
		dir = defaultAgentsDir
	}
	set, err := agents.LoadDir(dir)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return agents.Set{}, nil
	}
	return set, err
}

// providerEnv is one LLM provider as the environment configures it.
type providerEnv struct {
	name             string // the provider's name in agent definitions
	baseVar, keyVar  string
	defaultBase      string // used when only the key is set; "" requires the base URL
	keyHeader        string
	newModel         func(llm.Config) (llm.ChatModel, error)
	overrideModelVar string // replaces every definition's model, if set
}

// providers are the LLM providers SAA knows: "default", any
// OpenAI-compatible server (SAA_LLM_*), and "anthropic", Anthropic's
// Messages API (SAA_ANTHROPIC_*).
var providers = []providerEnv{
	{name: "default", baseVar: "SAA_LLM_BASE_URL", keyVar: "SAA_LLM_API_KEY", keyHeader: "Authorization",
		newModel:         func(c llm.Config) (llm.ChatModel, error) { return llm.NewOpenAI(c) },
		overrideModelVar: "SAA_LLM_MODEL"},
	{name: "anthropic", baseVar: "SAA_ANTHROPIC_BASE_URL", keyVar: "SAA_ANTHROPIC_API_KEY", keyHeader: "X-Api-Key",
		defaultBase: "https://api.anthropic.com",
		newModel:    func(c llm.Config) (llm.ChatModel, error) { return llm.NewAnthropic(c) }},
}

// baseURL is p's base URL from the environment: its variable, or its
// default when its key is set (a hosted API).
func (p providerEnv) baseURL(getenv func(string) string) string {
	if b := getenv(p.baseVar); b != "" {
		return b
	}
	if getenv(p.keyVar) != "" {
		return p.defaultBase
	}
	return ""
}

// agentModels returns the configured providers. A provider's key, when its
// variable is set, is stored in the secret store (never kept elsewhere); the
// guard injects it at egress. Without a key in the store the provider sends
// none (a local server such as Ollama).
func agentModels(ctx context.Context, getenv func(string) string, keys *secrets.Store, allow []netip.Prefix, onEgress func(host, verdict string)) (func(string) (llm.ChatModel, error), error) {
	models := map[string]llm.ChatModel{}
	for _, p := range providers {
		m, err := p.model(ctx, getenv, keys, allow, onEgress)
		if err != nil {
			return nil, err
		}
		if m != nil {
			models[p.name] = m
		}
	}
	return func(name string) (llm.ChatModel, error) {
		if m, ok := models[name]; ok {
			return m, nil
		}
		for _, p := range providers {
			if p.name == name {
				return nil, fmt.Errorf("no LLM provider %q: set %s", name, p.baseVar)
			}
		}
		return nil, fmt.Errorf("no LLM provider %q is configured", name)
	}, nil
}

// model builds p's model, or nil when p is not configured.
func (p providerEnv) model(ctx context.Context, getenv func(string) string, keys *secrets.Store, allow []netip.Prefix, onEgress func(host, verdict string)) (llm.ChatModel, error) {
	base := p.baseURL(getenv)
	if base == "" {
		return nil, nil
	}
	cfg := llm.Config{
		Name: p.name, BaseURL: base, Timeout: llmTimeout,
		Guard: egress.New(egress.Config{AllowCIDRs: allow, Timeout: llmTimeout, MaxResponseBytes: 8 << 20, OnRequest: onEgress}),
	}
	key := getenv(p.keyVar)
	switch {
	case keys == nil && key != "":
		cfg.Keys = envKey{name: p.name, key: key} // no local store (saa agent run --server)
	case keys != nil:
		if key != "" {
			if err := keys.Put(ctx, llm.SecretNamespace, p.name, key); err != nil {
				return nil, fmt.Errorf("store %s: %w", p.keyVar, err)
			}
		}
		if _, err := keys.Get(ctx, llm.SecretNamespace, p.name); err == nil {
			cfg.Keys = keys
		}
	}
	m, err := p.newModel(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.baseVar, err)
	}
	if p.overrideModelVar != "" && getenv(p.overrideModelVar) != "" {
		return modelOverride{m, getenv(p.overrideModelVar)}, nil
	}
	return m, nil
}

// envKey is a provider's key held in memory, for a process without a
// secret store; the guard still injects it at egress.
type envKey struct{ name, key string }

func (k envKey) Get(_ context.Context, plugin, name string) (string, error) {
	if plugin != llm.SecretNamespace || name != k.name {
		return "", errors.New("no such key")
	}
	return k.key, nil
}

// modelOverride sends every request to SAA_LLM_MODEL, whatever model the
// definition names (one local model serving every agent).
type modelOverride struct {
	llm.ChatModel
	name string
}

func (o modelOverride) Chat(ctx context.Context, req llm.Request) (llm.Response, error) {
	req.Model = o.name
	return o.ChatModel.Chat(ctx, req)
}

func (o modelOverride) Stream(ctx context.Context, req llm.Request, onDelta func(llm.Delta)) (llm.Response, error) {
	req.Model = o.name
	return o.ChatModel.Stream(ctx, req, onDelta)
}

// hostSecrets declares the configured providers' keys to the admin API, so
// an admin can set or replace them there (PUT
// /admin/api/v1/secrets/llm/<provider>), and the passwords of PostgreSQL
// warehouses (warehouseSecrets).
func hostSecrets(getenv func(string) string) []registry.DeclaredSecret {
	out := warehouseSecrets(getenv)
	for _, p := range providers {
		base := p.baseURL(getenv)
		u, err := url.Parse(base)
		if base == "" || err != nil || u.Host == "" {
			continue
		}
		out = append(out, registry.DeclaredSecret{
			Plugin: llm.SecretNamespace, Name: p.name, Header: p.keyHeader,
			Hosts: []string{u.Scheme + "://" + u.Host}, Declared: true,
		})
	}
	return out
}

// executorID is this replica's DBOS executor id on PostgreSQL. On bbolt
// it stays DBOS's default, which the runs of an existing install carry.
func executorID(cfg serveConfig) string {
	if cfg.host.DatabaseURL == "" {
		return ""
	}
	return cfg.replica
}

// agentExecutors is the backend's record of live DBOS executors, if it is
// shared by replicas (PostgreSQL); nil otherwise.
func agentExecutors(data backend.DB) dbosengine.Executors {
	if x, ok := data.(interface {
		AgentExecutors() pgstore.AgentExecutors
	}); ok {
		return x.AgentExecutors()
	}
	return nil
}

// startAgents loads the agents — the files of SAA_AGENTS_DIR and those an
// admin stored through the API — and starts their durable engine when there
// are any. The catalog is returned in every case, for the admin API: a
// definition stored on a server that started without agents takes effect
// at the next start.
func startAgents(ctx context.Context, cfg serveConfig, rt *host.Runtime, data backend.DB, metrics *httpapi.Metrics, log *slog.Logger) (*httpapi.AgentRuns, *agents.Catalog, func(), error) {
	files, err := loadAgentSet(cfg.getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	var stored agents.DefinitionStore // nil: the backend keeps none
	if a, ok := data.(backend.AgentsDB); ok {
		stored = a.AgentDefinitions()
	} else {
		log.Warn("agent definitions are not stored on this database: only SAA_AGENTS_DIR's are served")
	}
	catalog, err := agents.NewCatalog(ctx, files, stored, log)
	if err != nil || len(catalog.Set()) == 0 {
		return nil, catalog, func() {}, err
	}
	models, err := agentModels(ctx, cfg.getenv, rt.Secrets(), cfg.host.EgressAllowCIDRs, metrics.ObserveEgress)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := runs.LoadWebhookKey(cfg.host.DataDir, cfg.getenv, cfg.host.Production)
	if err != nil {
		return nil, nil, nil, err
	}
	guard := egress.New(egress.Config{AllowCIDRs: cfg.host.EgressAllowCIDRs, OnRequest: metrics.ObserveEgress})
	eng, err := dbosengine.New(ctx, dbosengine.Config{
		DataDir: cfg.host.DataDir,
		// On PostgreSQL the replicas share DBOS's system database: each
		// recovers its own runs (ExecutorID) and takes over a dead one's.
		DatabaseURL: cfg.host.DatabaseURL, ExecutorID: executorID(cfg), Executors: agentExecutors(data),
		Runner:     &agents.Runner{Catalog: catalog, Models: models, Invoker: rt, Audit: rt.Audit(), Logger: log},
		Sender:     httpapi.NewCallbackSender(guard),
		WebhookKey: key,
		Logger:     log,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	log.Info("agents loaded", "agents", len(catalog.Set()))
	return &httpapi.AgentRuns{Catalog: catalog, Engine: eng}, catalog, func() { eng.Shutdown(5 * time.Second) }, nil
}
