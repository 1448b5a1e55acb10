package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
)

// kind is one provider with its fake, run through the same tests.
type kind struct {
	name string
	fake func(testing.TB, ...llmtest.Turn) *llmtest.Server
	make func(llm.Config) (llm.ChatModel, error)
	// key is the credential the fake received.
	key func(llmtest.Request) string
	// wantKey is that credential as the provider must send it.
	wantKey string
}

var kinds = []kind{
	{
		name: "openai", fake: llmtest.New,
		make:    func(c llm.Config) (llm.ChatModel, error) { return llm.NewOpenAI(c) },
		key:     func(r llmtest.Request) string { return r.Authorization },
		wantKey: "Bearer " + apiKey,
	},
	{
		name: "anthropic", fake: llmtest.NewAnthropic,
		make:    func(c llm.Config) (llm.ChatModel, error) { return llm.NewAnthropic(c) },
		key:     func(r llmtest.Request) string { return r.APIKey },
		wantKey: apiKey,
	},
}

// modes are the two ways of asking: whole, and streamed.
var modes = []struct {
	name string
	ask  func(llm.ChatModel, func(llm.Delta)) (llm.Response, error)
}{
	{"chat", func(p llm.ChatModel, _ func(llm.Delta)) (llm.Response, error) { return ask(p) }},
	{"stream", func(p llm.ChatModel, on func(llm.Delta)) (llm.Response, error) {
		return p.Stream(context.Background(), request(), on)
	}},
}

func request() llm.Request {
	return llm.Request{
		Model:    "fake-model",
		Messages: []llm.Message{{Role: llm.RoleSystem, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi"}},
		Tools:    []llm.Tool{{Name: "echo-echo", Description: "echo", Parameters: []byte(`{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`)}},
	}
}

func (k kind) provider(t *testing.T, fake *llmtest.Server, tune func(*llm.Config)) llm.ChatModel {
	t.Helper()
	cfg := llm.Config{
		Name: "default", BaseURL: fake.BaseURL(), Keys: keys(t),
		Guard:     egress.New(egress.Config{AllowCIDRs: loopback}),
		RetryBase: time.Millisecond,
	}
	if tune != nil {
		tune(&cfg)
	}
	p, err := k.make(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// each runs f for every provider and mode.
func each(t *testing.T, f func(t *testing.T, k kind, ask func(llm.ChatModel, func(llm.Delta)) (llm.Response, error))) {
	for _, k := range kinds {
		for _, m := range modes {
			t.Run(k.name+"/"+m.name, func(t *testing.T) { f(t, k, m.ask) })
		}
	}
}

func TestProvidersAnswerAndCallTools(t *testing.T) {
	each(t, func(t *testing.T, k kind, ask func(llm.ChatModel, func(llm.Delta)) (llm.Response, error)) {
		fake := k.fake(t,
			llmtest.Turn{Content: "let me", ToolCalls: []llm.ToolCall{{ID: "c1", Name: "echo-echo", Arguments: `{"message":"x"}`}}, Usage: llm.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10}},
			llmtest.Turn{Content: "done, all of it"},
		)
		p := k.provider(t, fake, nil)
		var text strings.Builder
		var args strings.Builder
		r, err := ask(p, func(d llm.Delta) {
			text.WriteString(d.Text)
			if d.ToolCall != nil {
				args.WriteString(d.ToolCall.Arguments)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.StopReason != llm.StopToolCalls || len(r.Message.ToolCalls) != 1 || r.Message.ToolCalls[0].ID != "c1" ||
			r.Message.ToolCalls[0].Name != "echo-echo" || r.Message.ToolCalls[0].Arguments != `{"message":"x"}` || r.Message.Content != "let me" {
			t.Fatalf("first answer = %+v", r)
		}
		if r.Usage != (llm.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10, Calls: 1}) {
			t.Fatalf("usage = %+v", r.Usage)
		}
		if fake.Requests()[0].Stream && (text.String() != "let me" || args.String() != `{"message":"x"}`) {
			t.Fatalf("deltas: text %q, arguments %q", text.String(), args.String())
		}
		r, err = ask(p, nil)
		if err != nil || r.Message.Content != "done, all of it" || r.StopReason != llm.StopEnd {
			t.Fatalf("second answer = %+v, %v", r, err)
		}
		req := fake.Requests()[0]
		if got := k.key(req); got != k.wantKey {
			t.Fatalf("the guard did not inject the key: got %q", got)
		}
		if len(req.Tools) != 1 || req.Tools[0] != "echo-echo" || req.Model != "fake-model" || req.Messages[0].Content != "be brief" {
			t.Fatalf("request = %+v", req)
		}
	})
}

func TestProvidersStreamInPieces(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			fake := k.fake(t, llmtest.Turn{Content: "one two three four", ChunkDelay: 20 * time.Millisecond})
			p := k.provider(t, fake, nil)
			var got []string
			var at []time.Time
			r, err := p.Stream(context.Background(), request(), func(d llm.Delta) {
				got, at = append(got, d.Text), append(at, time.Now())
			})
			if err != nil || r.Message.Content != "one two three four" {
				t.Fatalf("= %+v, %v", r, err)
			}
			if len(got) < 4 || strings.Join(got, "") != "one two three four" {
				t.Fatalf("deltas = %q", got)
			}
			// Each piece arrived as it was written, not all at the end.
			if at[len(at)-1].Sub(at[0]) < 40*time.Millisecond {
				t.Fatalf("the deltas came together: %v apart", at[len(at)-1].Sub(at[0]))
			}
			if !fake.Requests()[0].Stream {
				t.Fatal("the request did not ask for a stream")
			}
		})
	}
}

func TestProvidersRefusal(t *testing.T) {
	each(t, func(t *testing.T, k kind, ask func(llm.ChatModel, func(llm.Delta)) (llm.Response, error)) {
		fake := k.fake(t, llmtest.Turn{Refusal: "I can't help with that."})
		r, err := ask(k.provider(t, fake, nil), nil)
		if err != nil || r.StopReason != llm.StopRefused || r.Message.Content != "I can't help with that." {
			t.Fatalf("= %+v, %v; want a refusal", r, err)
		}
	})
}

func TestProvidersMalformedToolInput(t *testing.T) {
	each(t, func(t *testing.T, k kind, ask func(llm.ChatModel, func(llm.Delta)) (llm.Response, error)) {
		fake := k.fake(t, llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "echo-echo", Arguments: `{"message": "x`}}})
		r, err := ask(k.provider(t, fake, nil), nil)
		if err != nil || len(r.Message.ToolCalls) != 1 {
			t.Fatalf("= %+v, %v", r, err)
		}
		// Whatever form it takes, the malformed call must reach the loop as
		// something that is not the object the model meant.
		var v map[string]any
		if json.Unmarshal([]byte(r.Message.ToolCalls[0].Arguments), &v) == nil && v["message"] == "x" {
			t.Fatalf("arguments = %q: the malformed input was mended", r.Message.ToolCalls[0].Arguments)
		}
	})
}

func TestProvidersRetryAndFail(t *testing.T) {
	each(t, func(t *testing.T, k kind, ask func(llm.ChatModel, func(llm.Delta)) (llm.Response, error)) {
		t.Run("429 honours Retry-After", func(t *testing.T) {
			fake := k.fake(t, llmtest.Turn{Status: 429, RetryAfter: "1"}, llmtest.Turn{Content: "ok"})
			if r, err := ask(k.provider(t, fake, nil), nil); err != nil || r.Message.Content != "ok" {
				t.Fatalf("= %+v, %v", r, err)
			}
			reqs := fake.Requests()
			if len(reqs) != 2 || reqs[1].At.Sub(reqs[0].At) < 900*time.Millisecond {
				t.Fatalf("retry came %v after a Retry-After of 1s", reqs[1].At.Sub(reqs[0].At))
			}
		})
		t.Run("5xx then success", func(t *testing.T) {
			fake := k.fake(t, llmtest.Turn{Status: 500}, llmtest.Turn{Status: 529}, llmtest.Turn{Content: "ok"})
			if r, err := ask(k.provider(t, fake, nil), nil); err != nil || r.Message.Content != "ok" || len(fake.Requests()) != 3 {
				t.Fatalf("= %+v, %v after %d requests", r, err, len(fake.Requests()))
			}
		})
		t.Run("5xx until retries run out", func(t *testing.T) {
			fake := k.fake(t)
			fake.Respond = func(llmtest.Request) llmtest.Turn { return llmtest.Turn{Status: 502} }
			_, err := ask(k.provider(t, fake, func(c *llm.Config) { c.MaxRetries = 2 }), nil)
			if !errors.Is(err, llm.ErrUnavailable) || len(fake.Requests()) != 3 {
				t.Fatalf("err = %v after %d requests", err, len(fake.Requests()))
			}
		})
		t.Run("timeout", func(t *testing.T) {
			fake := k.fake(t, llmtest.Turn{Delay: 5 * time.Second, Content: "late"})
			p := k.provider(t, fake, func(c *llm.Config) { c.Timeout = 200 * time.Millisecond; c.MaxRetries = -1 })
			if _, err := ask(p, nil); !errors.Is(err, llm.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
		})
		t.Run("401 names its status, never the key", func(t *testing.T) {
			fake := k.fake(t)
			fake.Respond = func(r llmtest.Request) llmtest.Turn {
				return llmtest.Turn{Status: http.StatusUnauthorized, Message: "bad key: " + k.key(r)}
			}
			_, err := ask(k.provider(t, fake, nil), nil)
			if !errors.Is(err, llm.ErrProvider) || strings.Contains(err.Error(), apiKey) || !strings.Contains(err.Error(), "401") {
				t.Fatalf("err = %v", err)
			}
			if n := len(fake.Requests()); n != 1 {
				t.Fatalf("a 401 was retried: %d requests", n)
			}
		})
		t.Run("not JSON", func(t *testing.T) {
			fake := k.fake(t, llmtest.Turn{Raw: `{"content": [`})
			if _, err := ask(k.provider(t, fake, nil), nil); err == nil {
				t.Fatal("a broken answer was accepted")
			}
		})
	})
}

func TestAnthropicConversationShape(t *testing.T) {
	fake := llmtest.NewAnthropic(t, llmtest.Turn{Content: "ok"})
	p := kinds[1].provider(t, fake, nil)
	_, err := p.Chat(context.Background(), llm.Request{Model: "m", Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "sys"}, {Role: llm.RoleUser, Content: "q"},
		{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "a", Name: "t", Arguments: `{"x":1}`}, {ID: "b", Name: "t", Arguments: `not json`}}},
		{Role: llm.RoleTool, ToolCallID: "a", Content: "one"}, {Role: llm.RoleTool, ToolCallID: "b", Content: "error: bad"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Messages []struct {
			Role    string            `json:"role"`
			Content []json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(fake.Requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	// user, assistant (two tool_use), one user turn holding both results.
	if len(body.Messages) != 3 || body.Messages[2].Role != "user" || len(body.Messages[2].Content) != 2 {
		t.Fatalf("messages = %s", fake.Requests()[0].Body)
	}
	if !strings.Contains(string(body.Messages[1].Content[1]), `"input":{}`) || !strings.Contains(string(body.Messages[2].Content[1]), `"is_error":true`) {
		t.Fatalf("messages = %s", fake.Requests()[0].Body)
	}
}

// TestAnthropicErrorEvent: an error event in the middle of a stream fails
// the call as the provider being unavailable (overloaded); the text before
// it is not taken for the answer.
func TestAnthropicErrorEvent(t *testing.T) {
	fake := llmtest.NewAnthropic(t, llmtest.Turn{Content: "half an", StreamError: "overloaded_error"})
	p := kinds[1].provider(t, fake, func(c *llm.Config) { c.MaxRetries = -1 })
	r, err := p.Stream(context.Background(), request(), nil)
	if !errors.Is(err, llm.ErrUnavailable) || r.Message.Content != "" {
		t.Fatalf("= %+v, %v; want a provider error", r, err)
	}
	if !strings.Contains(err.Error(), "scripted stream failure") || !strings.Contains(err.Error(), "overloaded_error") {
		t.Fatalf("err = %v does not say why", err)
	}
}
