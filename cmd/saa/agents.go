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
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/llm"
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

// agentModels returns the configured providers: "default" from
// SAA_LLM_BASE_URL. SAA_LLM_API_KEY, when set, is stored in the secret store
// (never kept elsewhere); the guard injects it at egress. Without a key in
// the store the provider sends none (a local server such as Ollama).
func agentModels(ctx context.Context, getenv func(string) string, keys *secrets.Store, allow []netip.Prefix, onEgress func(host, verdict string)) (func(string) (llm.ChatModel, error), error) {
	base := getenv("SAA_LLM_BASE_URL")
	if base == "" {
		return func(p string) (llm.ChatModel, error) {
			return nil, fmt.Errorf("no LLM provider %q: set SAA_LLM_BASE_URL", p)
		}, nil
	}
	cfg := llm.Config{
		Name: "default", BaseURL: base, Timeout: llmTimeout,
		Guard: egress.New(egress.Config{AllowCIDRs: allow, Timeout: llmTimeout, MaxResponseBytes: 8 << 20, OnRequest: onEgress}),
	}
	key := getenv("SAA_LLM_API_KEY")
	switch {
	case keys == nil && key != "":
		cfg.Keys = envKey(key) // no local store (saa agent run --server)
	case keys != nil:
		if key != "" {
			if err := keys.Put(ctx, llm.SecretNamespace, "default", key); err != nil {
				return nil, fmt.Errorf("store SAA_LLM_API_KEY: %w", err)
			}
		}
		if _, err := keys.Get(ctx, llm.SecretNamespace, "default"); err == nil {
			cfg.Keys = keys
		}
	}
	m, err := llm.NewOpenAI(cfg)
	if err != nil {
		return nil, fmt.Errorf("SAA_LLM_BASE_URL: %w", err)
	}
	model := getenv("SAA_LLM_MODEL")
	return func(p string) (llm.ChatModel, error) {
		if p != "default" {
			return nil, fmt.Errorf("no LLM provider %q is configured", p)
		}
		if model != "" {
			return modelOverride{m, model}, nil
		}
		return m, nil
	}, nil
}

// envKey is the default provider's key held in memory, for a process
// without a secret store; the guard still injects it at egress.
type envKey string

func (k envKey) Get(_ context.Context, plugin, name string) (string, error) {
	if plugin != llm.SecretNamespace || name != "default" {
		return "", errors.New("no such key")
	}
	return string(k), nil
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

// hostSecrets declares the default provider's key to the admin API, so an
// admin can set or replace it there (PUT /admin/api/v1/secrets/llm/default),
// and the passwords of PostgreSQL warehouses (warehouseSecrets).
func hostSecrets(getenv func(string) string) []registry.DeclaredSecret {
	base := getenv("SAA_LLM_BASE_URL")
	u, err := url.Parse(base)
	if base == "" || err != nil || u.Host == "" {
		return warehouseSecrets(getenv)
	}
	return append(warehouseSecrets(getenv), registry.DeclaredSecret{
		Plugin: llm.SecretNamespace, Name: "default", Header: "Authorization",
		Hosts: []string{u.Scheme + "://" + u.Host}, Declared: true,
	})
}

// startAgents loads the agents and starts their durable engine; nil when
// there are none.
func startAgents(ctx context.Context, cfg serveConfig, rt *host.Runtime, metrics *httpapi.Metrics, log *slog.Logger) (*httpapi.AgentRuns, func(), error) {
	set, err := loadAgentSet(cfg.getenv)
	if err != nil || len(set) == 0 {
		return nil, func() {}, err
	}
	models, err := agentModels(ctx, cfg.getenv, rt.Secrets(), cfg.host.EgressAllowCIDRs, metrics.ObserveEgress)
	if err != nil {
		return nil, nil, err
	}
	key, err := runs.LoadWebhookKey(cfg.host.DataDir, cfg.getenv, cfg.host.Production)
	if err != nil {
		return nil, nil, err
	}
	guard := egress.New(egress.Config{AllowCIDRs: cfg.host.EgressAllowCIDRs, OnRequest: metrics.ObserveEgress})
	eng, err := dbosengine.New(ctx, dbosengine.Config{
		DataDir:    cfg.host.DataDir,
		Runner:     &agents.Runner{Agents: set, Models: models, Invoker: rt, Audit: rt.Audit(), Logger: log},
		Sender:     httpapi.NewCallbackSender(guard),
		WebhookKey: key,
		Logger:     log,
	})
	if err != nil {
		return nil, nil, err
	}
	log.Info("agents loaded", "agents", len(set))
	return &httpapi.AgentRuns{Agents: set, Engine: eng}, func() { eng.Shutdown(5 * time.Second) }, nil
}
