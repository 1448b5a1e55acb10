// Package llmtest is a scripted fake of an OpenAI-compatible chat server
// (New: POST .../chat/completions) and of Anthropic's Messages API
// (NewAnthropic: POST /v1/messages) for tests: an httptest server answering
// from a queue of turns (answers, tool calls, malformed tool calls,
// refusals, error statuses with Retry-After, delays), whole or streamed as
// server-sent events when the request asks for a stream, recording every
// request it got.
package llmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/llm"
)

// Turn is one scripted answer.
type Turn struct {
	// Content is the assistant's text.
	Content string
	// ToolCalls are the calls the assistant asks for; Arguments is sent as
	// written, so it may be malformed on purpose.
	ToolCalls []llm.ToolCall
	// Finish overrides the finish_reason ("stop", or "tool_calls" when
	// there are tool calls); for Anthropic, the stop_reason.
	Finish string
	// Refusal is a refusal: OpenAI's message.refusal, or for Anthropic the
	// text of an answer whose stop_reason is "refusal".
	Refusal string
	// ChunkDelay holds each streamed chunk back, so that a test sees the
	// answer arrive in pieces.
	ChunkDelay time.Duration
	// StreamError, for Anthropic, ends a streamed answer after its content
	// blocks with an error event of this type (such as overloaded_error).
	StreamError string
	// Usage is reported as is; zero means 10 prompt and 5 completion tokens.
	Usage llm.Usage
	// Status, when not 0 or 200, answers with this status and an OpenAI
	// error body; RetryAfter sets the Retry-After header.
	Status     int
	RetryAfter string
	// Message is the error body's message; default "scripted failure".
	Message string
	// Raw, when set, is sent as the whole body with status 200.
	Raw string
	// Delay holds the answer back (timeouts); a client that gives up first
	// never sees it.
	Delay time.Duration
}

// Request is a request the server got.
type Request struct {
	Authorization string
	// APIKey is the x-api-key header (Anthropic's key).
	APIKey string
	// Stream says the client asked for server-sent events.
	Stream   bool
	Model    string
	Messages []Message
	Tools    []string
	Body     []byte
	// At is when the request arrived.
	At time.Time
}

// Message is a message as the server read it.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCallID string     `json:"tool_call_id"`
	ToolCalls  []wireCall `json:"tool_calls"`
}

type wireCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	*httptest.Server
	// Respond, if set, answers when the queue is empty; it sees the request.
	Respond func(Request) Turn

	base      string
	anthropic bool

	mu       sync.Mutex
	queue    []Turn
	requests []Request
}

// New starts a fake serving turns in order; it is closed when t ends.
func New(t testing.TB, turns ...Turn) *Server {
	s := &Server{queue: turns}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	s.base = s.URL + "/v1"
	t.Cleanup(s.Close)
	return s
}

// Anthropic reports whether the fake speaks Anthropic's Messages API.
func (s *Server) Anthropic() bool { return s.anthropic }

// BaseURL is the API root to configure a provider with.
func (s *Server) BaseURL() string { return s.base }

// Push appends turns to the queue.
func (s *Server) Push(turns ...Turn) {
	s.mu.Lock()
	s.queue = append(s.queue, turns...)
	s.mu.Unlock()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Pending returns how many queued turns are left.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	req, err := decode(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "")
		return
	}
	turn, ok := s.next(req)
	if !ok {
		writeError(w, http.StatusInternalServerError, "llmtest: no scripted turn left", "")
		return
	}
	if !turn.wait(r.Context()) {
		return
	}
	switch {
	case turn.Status != 0 && turn.Status != http.StatusOK:
		writeError(w, turn.Status, turn.failure(), turn.RetryAfter)
	case turn.Raw != "":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, turn.Raw)
	case req.Stream:
		streamCompletion(w, r, req.Model, turn)
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(completion(req.Model, turn))
	}
}

func (s *Server) next(req Request) (Turn, bool) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	if len(s.queue) > 0 {
		t := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return t, true
	}
	respond := s.Respond
	s.mu.Unlock()
	if respond == nil {
		return Turn{}, false
	}
	return respond(req), true
}

func decode(r *http.Request) (Request, error) {
	var body struct {
		Model    string    `json:"model"`
		Stream   bool      `json:"stream"`
		Messages []Message `json:"messages"`
		Tools    []struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		} `json:"tools"`
	}
	raw, err := readAll(r)
	if err != nil {
		return Request{}, err
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return Request{}, fmt.Errorf("decode request: %w", err)
	}
	req := Request{Authorization: r.Header.Get("Authorization"), Model: body.Model, Stream: body.Stream, Messages: body.Messages, Body: raw, At: time.Now()}
	for _, t := range body.Tools {
		req.Tools = append(req.Tools, t.Function.Name)
	}
	return req, nil
}

func readAll(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 16<<20))
}

func writeError(w http.ResponseWriter, status int, msg, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "fake_error", "code": strconv.Itoa(status)}})
}

func completion(model string, t Turn) map[string]any {
	msg := map[string]any{"role": "assistant", "content": t.Content}
	if t.Refusal != "" {
		msg["refusal"] = t.Refusal
	}
	finish := "stop"
	if len(t.ToolCalls) > 0 {
		finish = "tool_calls"
		var calls []map[string]any
		for _, c := range t.ToolCalls {
			calls = append(calls, map[string]any{"id": c.ID, "type": "function",
				"function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
		}
		msg["tool_calls"] = calls
	}
	if t.Finish != "" {
		finish = t.Finish
	}
	u := usageOf(t)
	return map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": u.PromptTokens, "completion_tokens": u.CompletionTokens, "total_tokens": u.TotalTokens},
	}
}

func usageOf(t Turn) llm.Usage {
	if t.Usage == (llm.Usage{}) {
		return llm.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}
	}
	return t.Usage
}

// wait sleeps the turn's Delay; false if the request ended first.
func (t Turn) wait(ctx context.Context) bool {
	if t.Delay <= 0 {
		return true
	}
	select {
	case <-time.After(t.Delay):
		return true
	case <-ctx.Done():
		return false
	}
}

// failure is the message of a scripted failure.
func (t Turn) failure() string {
	if t.Message == "" {
		return "scripted failure"
	}
	return t.Message
}
