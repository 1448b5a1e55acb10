package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAI is a ChatModel for servers speaking OpenAI's /v1/chat/completions.
type OpenAI struct {
	name    string
	client  *openai.Client
	timeout time.Duration
}

var _ ChatModel = (*OpenAI)(nil)

// NewOpenAI returns a provider for cfg.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	d, base, err := newDoer(cfg, keyPlacement{header: "Authorization", format: "Bearer {{value}}", forward: []string{"Content-Type", "Accept"}})
	if err != nil {
		return nil, err
	}
	oc := openai.DefaultConfig("") // the key is never here: the guard injects it
	oc.BaseURL = base
	oc.HTTPClient = d
	return &OpenAI{name: cfg.Name, client: openai.NewClientWithConfig(oc), timeout: orDefault(cfg.Timeout, 2*time.Minute)}, nil
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
	switch {
	case len(out.Message.ToolCalls) > 0:
		out.StopReason = StopToolCalls // some servers say "stop" with tool calls
	case c.Message.Refusal != "" && c.Message.Content == "":
		out.StopReason = StopRefused
	}
	return out, nil
}

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
