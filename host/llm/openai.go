package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// SecretNamespace is the secret-store namespace of provider keys: the key of
// provider "default" is the secret "default" of "llm". The plugin registry
// refuses a plugin of that name, so no plugin can bind it to its own host.
const SecretNamespace = "llm"

// Config configures an OpenAI-compatible provider.
type Config struct {
	// Name names the provider in agent definitions; its key is the secret
	// Name of SecretNamespace. It must be a valid secret name.
	Name string
	// BaseURL is the API root, such as https://api.openai.com/v1; requests
	// may go to it and below it only.
	BaseURL string
	// Guard sends the requests; required.
	Guard *egress.Guard
	// Keys holds the API key (*secrets.Store); nil means the provider needs
	// no key (a local server) and no Authorization header is sent.
	Keys egress.SecretSource
	// Timeout bounds one Chat call, retries included; default 2 minutes.
	Timeout time.Duration
	// MaxRetries, RetryBase and MaxRetryWait tune retries of 429, 5xx and
	// network failures; defaults 3, 500ms and 30s.
	MaxRetries   int
	RetryBase    time.Duration
	MaxRetryWait time.Duration
}

// OpenAI is a ChatModel for servers speaking OpenAI's /v1/chat/completions.
type OpenAI struct {
	name    string
	client  *openai.Client
	timeout time.Duration
}

var _ ChatModel = (*OpenAI)(nil)

// NewOpenAI returns a provider for cfg.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if cfg.Guard == nil {
		return nil, fmt.Errorf("%w: provider %q has no egress guard", ErrConfig, cfg.Name)
	}
	if !validName(cfg.Name) {
		return nil, fmt.Errorf("%w: provider name %q must match [a-z][a-z0-9_]{1,31}", ErrConfig, cfg.Name)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	rule, err := manifests.ParseEgressRule(base)
	if err != nil {
		return nil, fmt.Errorf("%w: provider %q base URL: %v", ErrConfig, cfg.Name, err)
	}
	d := &doer{
		guard:  cfg.Guard,
		policy: &egress.Policy{Plugin: SecretNamespace, Rules: []egress.Rule{rule}},
		src:    cfg.Keys,
		retry: retryPolicy{
			Max:     orDefault(cfg.MaxRetries, 3),
			Base:    orDefault(cfg.RetryBase, 500*time.Millisecond),
			MaxWait: orDefault(cfg.MaxRetryWait, 30*time.Second),
		},
	}
	if cfg.MaxRetries < 0 {
		d.retry.Max = 0
	}
	if cfg.Keys != nil {
		d.policy.Secrets = []egress.SecretBinding{{
			Name: cfg.Name, Header: "Authorization", Format: "Bearer {{value}}", Hosts: []egress.Rule{rule},
		}}
		d.keyRef = wire.SecretPrefix + cfg.Name + wire.SecretSuffix
	}
	oc := openai.DefaultConfig("") // the key is never here: the guard injects it
	oc.BaseURL = base
	oc.HTTPClient = d
	return &OpenAI{name: cfg.Name, client: openai.NewClientWithConfig(oc), timeout: orDefault(cfg.Timeout, 2*time.Minute)}, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// validName matches the secret store's names, ^[a-z][a-z0-9_]{1,31}$.
func validName(s string) bool {
	if len(s) < 2 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Chat sends req and returns the first choice.
func (o *OpenAI) Chat(ctx context.Context, req Request) (Response, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	resp, err := o.client.CreateChatCompletion(ctx, toOpenAI(req))
	if err != nil {
		return Response{}, o.classify(ctx, err)
	}
	if len(resp.Choices) == 0 {
		return Response{}, fmt.Errorf("%w: %s: the answer has no choices", ErrProvider, o.name)
	}
	c := resp.Choices[0]
	out := Response{
		Message:    fromOpenAI(c.Message),
		StopReason: stopReason(c.FinishReason),
		Usage: Usage{
			PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens,
			TotalTokens: resp.Usage.TotalTokens, Calls: 1,
		},
	}
	if len(out.Message.ToolCalls) > 0 {
		out.StopReason = StopToolCalls // some servers say "stop" with tool calls
	}
	return out, nil
}

// maxDetail bounds the provider's own words kept in an error.
const maxDetail = 300

// classify turns a client error into one wrapping ErrUnavailable or
// ErrProvider. Provider messages come from bodies the guard scrubbed of the
// key; they are clipped to one short line all the same.
func (o *OpenAI) classify(ctx context.Context, err error) error {
	status, detail := 0, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, detail = apiErr.HTTPStatusCode, apiErr.Message
	case errors.As(err, &reqErr):
		status, detail = reqErr.HTTPStatusCode, http.StatusText(reqErr.HTTPStatusCode)
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrProvider):
		return fmt.Errorf("%s: %w", o.name, err)
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, o.name, ctx.Err())
	default:
		return fmt.Errorf("%w: %s: %v", ErrProvider, o.name, clip(err.Error()))
	}
	kind := ErrProvider
	if status == http.StatusTooManyRequests || status >= 500 {
		kind = ErrUnavailable
	}
	return fmt.Errorf("%w: %s: HTTP %d: %s", kind, o.name, status, clip(detail))
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		s = s[:maxDetail] + "..."
	}
	return s
}

func toOpenAI(req Request) openai.ChatCompletionRequest {
	out := openai.ChatCompletionRequest{Model: req.Model, MaxTokens: req.MaxTokens}
	if req.Temperature != nil {
		// go-openai omits a zero temperature, which servers read as their
		// default (1): the smallest positive float is sent instead.
		out.Temperature = max(*req.Temperature, math.SmallestNonzeroFloat32)
	}
	for _, m := range req.Messages {
		om := openai.ChatCompletionMessage{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID}
		for _, c := range m.ToolCalls {
			om.ToolCalls = append(om.ToolCalls, openai.ToolCall{
				ID: c.ID, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: c.Name, Arguments: c.Arguments},
			})
		}
		out.Messages = append(out.Messages, om)
	}
	for _, t := range req.Tools {
		out.Tools = append(out.Tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: t.Parameters,
		}})
	}
	return out
}

func fromOpenAI(m openai.ChatCompletionMessage) Message {
	out := Message{Role: RoleAssistant, Content: m.Content}
	for _, c := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
	}
	if m.Refusal != "" && out.Content == "" {
		out.Content = m.Refusal
	}
	return out
}

func stopReason(r openai.FinishReason) string {
	switch r {
	case openai.FinishReasonStop:
		return StopEnd
	case openai.FinishReasonToolCalls, openai.FinishReasonFunctionCall:
		return StopToolCalls
	case openai.FinishReasonLength:
		return StopLength
	case openai.FinishReasonContentFilter:
		return StopFiltered
	}
	return StopOther
}
