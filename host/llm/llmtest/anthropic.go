package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/llm"
)

// NewAnthropic starts a fake of Anthropic's Messages API serving turns in
// order; it is closed when t ends. Its requests are recorded with each
// content block as one Message: text as Content, a tool_use as a ToolCall
// (its input as Arguments), a tool_result with its ToolCallID; the system
// prompt comes first as a system message.
func NewAnthropic(t testing.TB, turns ...Turn) *Server {
	s := &Server{queue: turns, anthropic: true}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serveAnthropic))
	s.base = s.URL
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serveAnthropic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		anthropicError(w, http.StatusNotFound, "not_found_error", "not found", "")
		return
	}
	req, err := decodeAnthropic(r)
	if err != nil {
		anthropicError(w, http.StatusBadRequest, "invalid_request_error", err.Error(), "")
		return
	}
	turn, ok := s.next(req)
	if !ok {
		anthropicError(w, http.StatusInternalServerError, "api_error", "llmtest: no scripted turn left", "")
		return
	}
	if !turn.wait(r.Context()) {
		return
	}
	switch {
	case turn.Status != 0 && turn.Status != http.StatusOK:
		kind := map[int]string{429: "rate_limit_error", 401: "authentication_error", 529: "overloaded_error"}[turn.Status]
		anthropicError(w, turn.Status, kind, turn.failure(), turn.RetryAfter)
	case turn.Raw != "":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, turn.Raw)
	case req.Stream:
		streamMessage(w, r, req.Model, turn)
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(message(req.Model, turn))
	}
}

// anthropicBlock is a content block as the fake reads and writes it.
type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
}

func decodeAnthropic(r *http.Request) (Request, error) {
	var body struct {
		Model     string           `json:"model"`
		MaxTokens int              `json:"max_tokens"`
		Stream    bool             `json:"stream"`
		System    []anthropicBlock `json:"system"`
		Messages  []struct {
			Role    string           `json:"role"`
			Content []anthropicBlock `json:"content"`
		} `json:"messages"`
		Tools []struct {
			Name        string          `json:"name"`
			InputSchema json.RawMessage `json:"input_schema"`
		} `json:"tools"`
	}
	raw, err := readAll(r)
	if err != nil {
		return Request{}, err
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return Request{}, fmt.Errorf("decode request: %w", err)
	}
	if body.MaxTokens <= 0 || body.Model == "" || r.Header.Get("Anthropic-Version") == "" {
		return Request{}, fmt.Errorf("model, max_tokens and the anthropic-version header are required")
	}
	req := Request{Authorization: r.Header.Get("Authorization"), APIKey: r.Header.Get("X-Api-Key"), Model: body.Model,
		Stream: body.Stream, Body: raw, At: time.Now()}
	for _, b := range body.System {
		req.Messages = append(req.Messages, Message{Role: llm.RoleSystem, Content: b.Text})
	}
	for _, m := range body.Messages {
		for _, b := range m.Content {
			msg := Message{Role: m.Role}
			switch b.Type {
			case "text":
				msg.Content = b.Text
			case "tool_use":
				c := wireCall{ID: b.ID, Type: "function"}
				c.Function.Name, c.Function.Arguments = b.Name, string(b.Input)
				msg.ToolCalls = []wireCall{c}
			case "tool_result":
				msg.Role, msg.ToolCallID = llm.RoleTool, b.ToolUseID
				if json.Unmarshal(b.Content, &msg.Content) != nil {
					var parts []anthropicBlock
					json.Unmarshal(b.Content, &parts)
					for _, p := range parts {
						msg.Content += p.Text
					}
				}
			}
			req.Messages = append(req.Messages, msg)
		}
	}
	for _, t := range body.Tools {
		req.Tools = append(req.Tools, t.Name)
	}
	return req, nil
}

func anthropicError(w http.ResponseWriter, status int, kind, msg, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if kind == "" {
		kind = "api_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": kind, "message": msg}})
}

// blocks are a turn's content blocks and stop reason. A tool call's
// Arguments that are not JSON are sent as a JSON string, as a model that
// wrote a malformed call would have them read.
func blocks(t Turn) ([]anthropicBlock, string) {
	var out []anthropicBlock
	stop := "end_turn"
	if t.Content != "" {
		out = append(out, anthropicBlock{Type: "text", Text: t.Content})
	}
	if t.Refusal != "" {
		out = append(out, anthropicBlock{Type: "text", Text: t.Refusal})
		stop = "refusal"
	}
	for _, c := range t.ToolCalls {
		in := json.RawMessage(c.Arguments)
		if !json.Valid(in) {
			in, _ = json.Marshal(c.Arguments)
		}
		out = append(out, anthropicBlock{Type: "tool_use", ID: c.ID, Name: c.Name, Input: in})
		stop = "tool_use"
	}
	if t.Finish != "" {
		stop = t.Finish
	}
	return out, stop
}

func message(model string, t Turn) map[string]any {
	content, stop := blocks(t)
	if content == nil {
		content = []anthropicBlock{}
	}
	u := usageOf(t)
	return map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": content,
		"stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": u.PromptTokens, "output_tokens": u.CompletionTokens},
	}
}

// streamMessage answers with the Messages API's events: message_start, a
// ping, each block's start, deltas and stop, message_delta (stop reason,
// output tokens) and message_stop. A tool call's input is streamed as
// written, so a malformed one arrives malformed.
func streamMessage(w http.ResponseWriter, r *http.Request, model string, t Turn) {
	s := newSSE(w, r, t.ChunkDelay)
	content, stop := blocks(t)
	u := usageOf(t)
	start := message(model, Turn{Usage: llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: 1}})
	start["content"], start["stop_reason"] = []any{}, nil
	if !s.send("message_start", map[string]any{"type": "message_start", "message": start}) || !s.send("ping", map[string]any{"type": "ping"}) {
		return
	}
	calls := 0
	for i, b := range content {
		var deltas []map[string]any
		head := map[string]any{"type": b.Type}
		switch b.Type {
		case "text":
			head["text"] = ""
			for _, p := range pieces(b.Text) {
				deltas = append(deltas, map[string]any{"type": "text_delta", "text": p})
			}
		case "tool_use":
			head["id"], head["name"], head["input"] = b.ID, b.Name, map[string]any{}
			for _, p := range pieces(t.ToolCalls[calls].Arguments) {
				deltas = append(deltas, map[string]any{"type": "input_json_delta", "partial_json": p})
			}
			calls++
		}
		if !s.send("content_block_start", map[string]any{"type": "content_block_start", "index": i, "content_block": head}) {
			return
		}
		for _, d := range deltas {
			if !s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": i, "delta": d}) {
				return
			}
		}
		if !s.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": i}) {
			return
		}
	}
	if t.StreamError != "" {
		s.send("error", map[string]any{"type": "error", "error": map[string]any{"type": t.StreamError, "message": "scripted stream failure"}})
		return
	}
	if s.send("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": u.CompletionTokens}}) {
		s.send("message_stop", map[string]any{"type": "message_stop"})
	}
}
