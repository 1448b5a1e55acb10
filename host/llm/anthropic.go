package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// DefaultAnthropicMaxTokens bounds an Anthropic completion when the agent
// sets no bound: the Messages API requires one.
const DefaultAnthropicMaxTokens = 4096

// Anthropic is a ChatModel for Anthropic's Messages API (/v1/messages),
// through the official SDK. The SDK's own retries are off (the transport
// retries, honouring Retry-After) and so is its reading of the environment
// and of credential files: the key reaches the request in the guard only.
type Anthropic struct {
	name    string
	client  anthropic.Client
	timeout time.Duration
}

var _ ChatModel = (*Anthropic)(nil)

// NewAnthropic returns a provider for cfg; cfg.BaseURL is the API root,
// such as https://api.anthropic.com.
func NewAnthropic(cfg Config) (*Anthropic, error) {
	d, base, err := newDoer(cfg, keyPlacement{header: "X-Api-Key", forward: []string{"Content-Type", "Accept", "Anthropic-Version", "Anthropic-Beta"}})
	if err != nil {
		return nil, err
	}
	c := anthropic.NewClient(
		option.WithoutEnvironmentDefaults(), // no ANTHROPIC_* variables, no profile files
		option.WithBaseURL(base),
		option.WithHTTPClient(d),
		option.WithMaxRetries(0),
	)
	return &Anthropic{name: cfg.Name, client: c, timeout: orDefault(cfg.Timeout, 2*time.Minute)}, nil
}

// Chat implements ChatModel.
func (a *Anthropic) Chat(ctx context.Context, req Request) (Response, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	params, opts := toAnthropic(req)
	msg, err := a.client.Messages.New(ctx, params, opts...)
	if err != nil {
		return Response{}, a.classify(ctx, err)
	}
	return fromAnthropic(msg), nil
}

// Stream implements ChatModel with the Messages API's server-sent events.
func (a *Anthropic) Stream(ctx context.Context, req Request, onDelta func(Delta)) (Response, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	params, opts := toAnthropic(req)
	st := a.client.Messages.NewStreaming(ctx, params, opts...)
	defer st.Close()
	var msg anthropic.Message
	calls := map[int64]int{} // content block index to tool call index
	var args []string        // each tool call's input as streamed
	for st.Next() {
		ev := st.Current()
		if err := msg.Accumulate(ev); err != nil {
			return Response{}, fmt.Errorf("%w: %s: %v", ErrProvider, a.name, clip(err.Error()))
		}
		streamDelta(ev, calls, &args, onDelta)
	}
	if err := st.Err(); err != nil {
		return Response{}, a.classify(ctx, err)
	}
	if msg.ID == "" && msg.StopReason == "" {
		return Response{}, fmt.Errorf("%w: %s: the stream ended before the message", ErrProvider, a.name)
	}
	resp := fromAnthropic(&msg)
	// The SDK empties tool input that is not JSON; the model is told of
	// its malformed call instead, so the input is kept as streamed.
	for i := range resp.Message.ToolCalls {
		if i < len(args) && args[i] != "" {
			resp.Message.ToolCalls[i].Arguments = args[i]
		}
	}
	return resp, nil
}

// streamDelta passes a stream event's text or tool input on as a Delta.
func streamDelta(ev anthropic.MessageStreamEventUnion, calls map[int64]int, args *[]string, onDelta func(Delta)) {
	switch ev.Type {
	case "content_block_start":
		if ev.ContentBlock.Type == "tool_use" && len(calls) < maxStreamCalls {
			i := len(calls)
			calls[ev.Index] = i
			*args = append(*args, "")
			emit(onDelta, Delta{ToolCall: &ToolCallDelta{Index: i, ID: ev.ContentBlock.ID, Name: ev.ContentBlock.Name}})
		}
	case "content_block_delta":
		switch ev.Delta.Type {
		case "text_delta":
			if ev.Delta.Text != "" {
				emit(onDelta, Delta{Text: ev.Delta.Text})
			}
		case "input_json_delta":
			if i, ok := calls[ev.Index]; ok && ev.Delta.PartialJSON != "" {
				(*args)[i] += ev.Delta.PartialJSON
				emit(onDelta, Delta{ToolCall: &ToolCallDelta{Index: i, Arguments: ev.Delta.PartialJSON}})
			}
		}
	}
}

// classify turns an SDK error into one wrapping ErrUnavailable or
// ErrProvider. The SDK's own message repeats the request URL and the raw
// body: only the status and the API's message are kept.
func (a *Anthropic) classify(ctx context.Context, err error) error {
	var apiErr *anthropic.Error
	switch {
	case errors.As(err, &apiErr):
		kind := ErrProvider
		// An error event in a stream comes with the stream's 200: its type
		// says whether it may pass.
		typ := string(apiErr.Type())
		if apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500 ||
			typ == "overloaded_error" || typ == "rate_limit_error" || typ == "api_error" {
			kind = ErrUnavailable
		}
		detail := apiErr.Message
		if detail == "" {
			detail = http.StatusText(apiErr.StatusCode)
		}
		if apiErr.StatusCode == http.StatusOK {
			return fmt.Errorf("%w: %s: error event %s in the stream: %s", kind, a.name, clip(typ), clip(detail))
		}
		return fmt.Errorf("%w: %s: HTTP %d: %s", kind, a.name, apiErr.StatusCode, clip(detail))
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrProvider):
		return fmt.Errorf("%s: %w", a.name, err)
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, a.name, ctx.Err())
	}
	return fmt.Errorf("%w: %s: %v", ErrProvider, a.name, clip(err.Error()))
}

// toAnthropic maps req to the Messages API: system messages become the
// system prompt, tool results user turns of tool_result blocks (consecutive
// ones merged into one turn, as the API requires).
func toAnthropic(req Request) (anthropic.MessageNewParams, []option.RequestOption) {
	p := anthropic.MessageNewParams{Model: req.Model, MaxTokens: int64(req.MaxTokens)}
	if p.MaxTokens <= 0 {
		p.MaxTokens = DefaultAnthropicMaxTokens
	}
	for _, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			if m.Content != "" {
				p.System = append(p.System, anthropic.TextBlockParam{Text: m.Content})
			}
		case RoleTool:
			block := anthropic.NewToolResultBlock(m.ToolCallID, m.Content, strings.HasPrefix(m.Content, "error:"))
			if n := len(p.Messages); n > 0 && isToolResults(p.Messages[n-1]) {
				u := p.Messages[n-1].OfUser
				u.Content = append(u.Content, block)
				continue
			}
			p.Messages = append(p.Messages, anthropic.NewUserMessage(block))
		case RoleAssistant:
			p.Messages = append(p.Messages, assistantParam(m))
		default:
			p.Messages = append(p.Messages, anthropic.NewUserMessage(anthropic.NewTextBlock(m.Content)))
		}
	}
	for _, t := range req.Tools {
		p.Tools = append(p.Tools, anthropic.ToolUnionParam{OfTool: toolParam(t)})
	}
	var opts []option.RequestOption
	if req.Temperature != nil {
		// The v2 SDK has no temperature field; the API still takes one.
		opts = append(opts, option.WithJSONSet("temperature", *req.Temperature))
	}
	return p, opts
}

func isToolResults(m anthropic.MessageParam) bool {
	return m.OfUser != nil && len(m.OfUser.Content) > 0 && m.OfUser.Content[0].OfToolResult != nil
}

func assistantParam(m Message) anthropic.MessageParam {
	var blocks []anthropic.ContentBlockParamUnion
	if m.Content != "" {
		blocks = append(blocks, anthropic.NewTextBlock(m.Content))
	}
	for _, c := range m.ToolCalls {
		// The model's arguments are sent back as it wrote them when they
		// are a JSON object; otherwise as {} (the tool error says why).
		var input json.RawMessage = []byte("{}")
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(c.Arguments), &obj) == nil && obj != nil {
			input = json.RawMessage(c.Arguments)
		}
		blocks = append(blocks, anthropic.NewToolUseBlock(c.ID, input, c.Name))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, anthropic.NewTextBlock(""))
	}
	return anthropic.NewAssistantMessage(blocks...)
}

// toolParam passes a tool's JSON Schema on: properties and required in
// their fields, the rest of its keywords as they are.
func toolParam(t Tool) *anthropic.ToolParam {
	schema := anthropic.ToolInputSchemaParam{}
	var fields map[string]any
	if json.Unmarshal(t.Parameters, &fields) == nil {
		if props, ok := fields["properties"]; ok {
			schema.Properties = props
		}
		if req, ok := fields["required"].([]any); ok {
			for _, r := range req {
				if s, ok := r.(string); ok {
					schema.Required = append(schema.Required, s)
				}
			}
		}
		delete(fields, "properties")
		delete(fields, "required")
		delete(fields, "type")
		if len(fields) > 0 {
			schema.ExtraFields = fields
		}
	}
	tp := &anthropic.ToolParam{Name: t.Name, InputSchema: schema}
	if t.Description != "" {
		tp.Description = anthropic.String(t.Description)
	}
	return tp
}

func fromAnthropic(m *anthropic.Message) Response {
	out := Response{Message: Message{Role: RoleAssistant}, StopReason: anthropicStop(m.StopReason)}
	var text strings.Builder
	for _, b := range m.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			args := string(b.Input)
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			out.Message.ToolCalls = append(out.Message.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: args})
		}
	}
	out.Message.Content = text.String()
	in, o := int(m.Usage.InputTokens+m.Usage.CacheCreationInputTokens+m.Usage.CacheReadInputTokens), int(m.Usage.OutputTokens)
	out.Usage = Usage{PromptTokens: in, CompletionTokens: o, TotalTokens: in + o, Calls: 1}
	if len(out.Message.ToolCalls) > 0 && out.StopReason != StopRefused {
		out.StopReason = StopToolCalls
	}
	return out
}

func anthropicStop(r anthropic.StopReason) string {
	switch r {
	case anthropic.StopReasonEndTurn, anthropic.StopReasonStopSequence:
		return StopEnd
	case anthropic.StopReasonToolUse:
		return StopToolCalls
	case anthropic.StopReasonMaxTokens:
		return StopLength
	case anthropic.StopReasonRefusal:
		return StopRefused
	}
	return StopOther
}
