package llm

import (
	"context"
	"encoding/json"
	"errors"
)

// ChatModel is a chat-completion model with tool calling. Implementations
// are safe for concurrent use.
type ChatModel interface {
	// Chat sends the conversation and returns the model's next message.
	Chat(ctx context.Context, req Request) (Response, error)
	// Stream is Chat with the answer streamed: onDelta is called with each
	// piece of it as the provider sends it, in order, from the calling
	// goroutine; the Response returned at the end is the whole message,
	// with its usage and stop reason, exactly as Chat would return it.
	// Deltas are untrusted model output, like the message.
	Stream(ctx context.Context, req Request, onDelta func(Delta)) (Response, error)
}

// Delta is a piece of a streamed answer: text, or a piece of a tool call.
type Delta struct {
	Text     string         `json:"text,omitempty"`
	ToolCall *ToolCallDelta `json:"tool_call,omitempty"`
}

// ToolCallDelta is a piece of the Index-th tool call of an answer: its ID
// and Name come with its first piece, its Arguments in pieces.
type ToolCallDelta struct {
	Index     int    `json:"index"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
}

// Roles of a Message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content,omitempty"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID names the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
}

// Tool describes a function the model may call. Parameters is a JSON Schema.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// ToolCall is the model's request to call a tool. Arguments is what the
// model wrote: untrusted text that should be JSON but may not be.
type ToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Request is one call to a model.
type Request struct {
	Model       string
	Messages    []Message
	Tools       []Tool
	Temperature *float32
	// MaxTokens bounds the completion; zero leaves it to the provider.
	MaxTokens int
}

// Stop reasons of a Response.
const (
	StopEnd       = "stop"           // the model finished its answer
	StopToolCalls = "tool_calls"     // the model asks for tool calls
	StopLength    = "length"         // the completion hit its token bound
	StopFiltered  = "content_filter" // the provider withheld the answer
	StopRefused   = "refusal"        // the model declined to answer
	StopOther     = "other"          // anything else the provider said
)

// Response is the model's next message.
type Response struct {
	Message    Message
	StopReason string
	Usage      Usage
}

// Usage counts the tokens of one call, or of several added up.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// Calls is how many model calls the usage covers.
	Calls int `json:"calls"`
}

// Add returns u plus v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + v.PromptTokens,
		CompletionTokens: u.CompletionTokens + v.CompletionTokens,
		TotalTokens:      u.TotalTokens + v.TotalTokens,
		Calls:            u.Calls + v.Calls,
	}
}

// ErrProvider means the provider answered with an error that retrying did
// not cure (or that retrying cannot cure, like a 400 or a 401).
var ErrProvider = errors.New("llm provider error")

// ErrUnavailable means the provider could not be reached, or kept failing
// with 429 or 5xx until the retries ran out.
var ErrUnavailable = errors.New("llm provider unavailable")

// ErrConfig means a provider's configuration cannot work.
var ErrConfig = errors.New("invalid llm configuration")
