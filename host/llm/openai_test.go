package llm_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/store"
)

const apiKey = "sk-test-0123456789abcdef"

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// keys returns a real secret store holding the default provider's key.
func keys(t *testing.T) *secrets.Store {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := secrets.New(db.Secrets(), make([]byte, secrets.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), llm.SecretNamespace, "default", apiKey); err != nil {
		t.Fatal(err)
	}
	return s
}

// provider returns a provider for fake whose guard allows loopback.
func provider(t *testing.T, fake *llmtest.Server, tune func(*llm.Config)) *llm.OpenAI {
	t.Helper()
	cfg := llm.Config{
		Name: "default", BaseURL: fake.BaseURL(), Keys: keys(t),
		Guard:     egress.New(egress.Config{AllowCIDRs: loopback}),
		RetryBase: time.Millisecond,
	}
	if tune != nil {
		tune(&cfg)
	}
	p, err := llm.NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ask(p llm.ChatModel) (llm.Response, error) {
	return p.Chat(context.Background(), llm.Request{
		Model:    "fake-model",
		Messages: []llm.Message{{Role: llm.RoleSystem, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi"}},
		Tools:    []llm.Tool{{Name: "echo-echo", Description: "echo", Parameters: []byte(`{"type":"object"}`)}},
	})
}

func TestChatAnswersAndToolCalls(t *testing.T) {
	fake := llmtest.New(t,
		llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "echo-echo", Arguments: `{"message":"x"}`}}, Usage: llm.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10}},
		llmtest.Turn{Content: "done"},
	)
	p := provider(t, fake, nil)
	r, err := ask(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.StopReason != llm.StopToolCalls || len(r.Message.ToolCalls) != 1 || r.Message.ToolCalls[0].Arguments != `{"message":"x"}` {
		t.Fatalf("first answer = %+v", r)
	}
	if r.Usage != (llm.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10, Calls: 1}) {
		t.Fatalf("usage = %+v", r.Usage)
	}
	if r, err = ask(p); err != nil || r.Message.Content != "done" || r.StopReason != llm.StopEnd {
		t.Fatalf("second answer = %+v, %v", r, err)
	}
	reqs := fake.Requests()
	if got := reqs[0].Authorization; got != "Bearer "+apiKey {
		t.Fatalf("the guard did not inject the key: Authorization = %q", got)
	}
	if len(reqs[0].Tools) != 1 || reqs[0].Tools[0] != "echo-echo" || reqs[0].Model != "fake-model" {
		t.Fatalf("request = %+v", reqs[0])
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	fake := llmtest.New(t)
	fake.Respond = func(r llmtest.Request) llmtest.Turn {
		return llmtest.Turn{Status: http.StatusUnauthorized, Message: "bad key: " + r.Authorization}
	}
	_, err := ask(provider(t, fake, nil))
	if !errors.Is(err, llm.ErrProvider) {
		t.Fatalf("err = %v, want ErrProvider", err)
	}
	if strings.Contains(err.Error(), apiKey) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("error = %q: must name the status and never hold the key", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("a 401 was retried: %d requests", n)
	}
}

func TestRetries(t *testing.T) {
	t.Run("429 honours Retry-After", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Status: 429, RetryAfter: "1"}, llmtest.Turn{Content: "ok"})
		if r, err := ask(provider(t, fake, nil)); err != nil || r.Message.Content != "ok" {
			t.Fatalf("= %+v, %v", r, err)
		}
		reqs := fake.Requests()
		if len(reqs) != 2 || reqs[1].At.Sub(reqs[0].At) < 900*time.Millisecond {
			t.Fatalf("retry came %v after a Retry-After of 1s", reqs[1].At.Sub(reqs[0].At))
		}
	})
	t.Run("Retry-After beyond the cap is not waited for", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Status: 429, RetryAfter: "3600"}, llmtest.Turn{Content: "ok"})
		_, err := ask(provider(t, fake, nil))
		if !errors.Is(err, llm.ErrUnavailable) || len(fake.Requests()) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(fake.Requests()))
		}
	})
	t.Run("5xx then success", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Status: 500}, llmtest.Turn{Status: 503}, llmtest.Turn{Content: "ok"})
		if r, err := ask(provider(t, fake, nil)); err != nil || r.Message.Content != "ok" || len(fake.Requests()) != 3 {
			t.Fatalf("= %+v, %v after %d requests", r, err, len(fake.Requests()))
		}
	})
	t.Run("5xx until retries run out", func(t *testing.T) {
		fake := llmtest.New(t)
		fake.Respond = func(llmtest.Request) llmtest.Turn { return llmtest.Turn{Status: 502} }
		_, err := ask(provider(t, fake, func(c *llm.Config) { c.MaxRetries = 2 }))
		if !errors.Is(err, llm.ErrUnavailable) || len(fake.Requests()) != 3 {
			t.Fatalf("err = %v after %d requests, want ErrUnavailable after 3", err, len(fake.Requests()))
		}
	})
	t.Run("400 is not retried", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Status: 400}, llmtest.Turn{Content: "ok"})
		if _, err := ask(provider(t, fake, nil)); !errors.Is(err, llm.ErrProvider) || len(fake.Requests()) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(fake.Requests()))
		}
	})
}

func TestTimeout(t *testing.T) {
	fake := llmtest.New(t, llmtest.Turn{Delay: 5 * time.Second, Content: "late"})
	p := provider(t, fake, func(c *llm.Config) { c.Timeout = 200 * time.Millisecond; c.MaxRetries = -1 })
	if _, err := ask(p); !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestMalformedAnswers(t *testing.T) {
	for name, raw := range map[string]string{
		"not json":   `{"choices": [`,
		"no choices": `{"id":"x","choices":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			fake := llmtest.New(t, llmtest.Turn{Raw: raw})
			if _, err := ask(provider(t, fake, nil)); !errors.Is(err, llm.ErrProvider) {
				t.Fatalf("err = %v, want ErrProvider", err)
			}
		})
	}
}

func TestEgressRefusals(t *testing.T) {
	t.Run("loopback not allowed", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Content: "ok"})
		p := provider(t, fake, func(c *llm.Config) { c.Guard = egress.New(egress.Config{}) })
		_, err := ask(p)
		if !errors.Is(err, egress.ErrAddressRefused) || len(fake.Requests()) != 0 {
			t.Fatalf("err = %v after %d requests, want an address refusal before any", err, len(fake.Requests()))
		}
	})
	t.Run("no key stored", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Content: "ok"})
		p := provider(t, fake, func(c *llm.Config) { c.Name = "other" })
		_, err := ask(p)
		if !errors.Is(err, egress.ErrSecretUnavailable) || len(fake.Requests()) != 0 {
			t.Fatalf("err = %v after %d requests", err, len(fake.Requests()))
		}
	})
	t.Run("keyless provider sends no Authorization", func(t *testing.T) {
		fake := llmtest.New(t, llmtest.Turn{Content: "ok"})
		p := provider(t, fake, func(c *llm.Config) { c.Keys = nil })
		if _, err := ask(p); err != nil || fake.Requests()[0].Authorization != "" {
			t.Fatalf("err = %v, Authorization = %q", err, fake.Requests()[0].Authorization)
		}
	})
}

func TestNewOpenAIRefusesBadConfig(t *testing.T) {
	g := egress.New(egress.Config{})
	for name, cfg := range map[string]llm.Config{
		"no guard":     {Name: "default", BaseURL: "https://api.openai.com/v1"},
		"bad name":     {Name: "Default", BaseURL: "https://api.openai.com/v1", Guard: g},
		"bad base URL": {Name: "default", BaseURL: "ftp://api.openai.com", Guard: g},
		"no base URL":  {Name: "default", Guard: g},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := llm.NewOpenAI(cfg); !errors.Is(err, llm.ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}
