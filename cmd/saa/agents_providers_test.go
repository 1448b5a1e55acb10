package main

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/store"
)

// TestAgentModelsProviders: SAA_LLM_* configures "default", SAA_ANTHROPIC_*
// "anthropic"; each key moves into the secret store and reaches the
// provider in its own header, injected at egress.
func TestAgentModelsProviders(t *testing.T) {
	openai := llmtest.New(t, llmtest.Turn{Content: "from openai"})
	anthropic := llmtest.NewAnthropic(t, llmtest.Turn{Content: "from anthropic"})
	env := map[string]string{
		"SAA_LLM_BASE_URL": openai.BaseURL(), "SAA_LLM_API_KEY": "sk-openai-key",
		"SAA_ANTHROPIC_BASE_URL": anthropic.BaseURL(), "SAA_ANTHROPIC_API_KEY": "sk-ant-key",
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, err := secrets.New(db.Secrets(), make([]byte, secrets.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	models, err := agentModels(context.Background(), func(k string) string { return env[k] }, keys,
		[]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"default": "from openai", "anthropic": "from anthropic"} {
		m, err := models(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Chat(context.Background(), llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		if err != nil || r.Message.Content != want {
			t.Fatalf("%s: %+v, %v", name, r, err)
		}
		if v, err := keys.Get(context.Background(), llm.SecretNamespace, name); err != nil || !strings.HasPrefix(v, "sk-") {
			t.Fatalf("%s: the key is not in the store: %v", name, err)
		}
	}
	if got := openai.Requests()[0].Authorization; got != "Bearer sk-openai-key" {
		t.Fatalf("openai Authorization = %q", got)
	}
	if r := anthropic.Requests()[0]; r.APIKey != "sk-ant-key" || r.Authorization != "" {
		t.Fatalf("anthropic x-api-key = %q, Authorization = %q", r.APIKey, r.Authorization)
	}
	if _, err := models("other"); err == nil {
		t.Fatal("an unknown provider was served")
	}
	secs := hostSecrets(func(k string) string { return env[k] })
	var names []string
	for _, s := range secs {
		if s.Plugin == llm.SecretNamespace {
			names = append(names, s.Name+":"+s.Header)
		}
	}
	if strings.Join(names, ",") != "default:Authorization,anthropic:X-Api-Key" {
		t.Fatalf("declared keys = %v", names)
	}
	// Without SAA_ANTHROPIC_*, the provider is named in the error.
	models, _ = agentModels(context.Background(), func(string) string { return "" }, nil, nil, nil)
	if _, err := models("anthropic"); err == nil || !strings.Contains(err.Error(), "SAA_ANTHROPIC_BASE_URL") {
		t.Fatalf("err = %v", err)
	}
}
