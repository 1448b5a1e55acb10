package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// chunkRunes is how many characters of text or arguments one streamed
// chunk carries.
const chunkRunes = 4

// pieces cuts s into chunks of chunkRunes characters.
func pieces(s string) []string {
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		n := min(chunkRunes, len(r))
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return out
}

// sse writes server-sent events, flushing each, holding each back by delay.
type sse struct {
	w     http.ResponseWriter
	r     *http.Request
	delay time.Duration
}

func newSSE(w http.ResponseWriter, r *http.Request, delay time.Duration) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return &sse{w: w, r: r, delay: delay}
}

// send writes one event (no event line when name is empty); false when the
// client has gone.
func (s *sse) send(name string, data any) bool {
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-s.r.Context().Done():
			return false
		}
	}
	b, _ := json.Marshal(data)
	if raw, ok := data.(string); ok {
		b = []byte(raw)
	}
	if name != "" {
		fmt.Fprintf(s.w, "event: %s\n", name)
	}
	fmt.Fprintf(s.w, "data: %s\n\n", b)
	http.NewResponseController(s.w).Flush()
	return s.r.Context().Err() == nil
}

// streamCompletion answers an OpenAI chat completion as chunks: text, tool
// calls piece by piece, the finish reason, then the usage and [DONE].
func streamCompletion(w http.ResponseWriter, r *http.Request, model string, t Turn) {
	s := newSSE(w, r, t.ChunkDelay)
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	if !s.send("", chunk(map[string]any{"role": "assistant"}, nil)) {
		return
	}
	for _, p := range pieces(t.Content) {
		if !s.send("", chunk(map[string]any{"content": p}, nil)) {
			return
		}
	}
	if t.Refusal != "" && !s.send("", chunk(map[string]any{"refusal": t.Refusal}, nil)) {
		return
	}
	finish := "stop"
	for i, c := range t.ToolCalls {
		finish = "tool_calls"
		first := map[string]any{"index": i, "id": c.ID, "type": "function", "function": map[string]any{"name": c.Name, "arguments": ""}}
		if !s.send("", chunk(map[string]any{"tool_calls": []any{first}}, nil)) {
			return
		}
		for _, p := range pieces(c.Arguments) {
			part := map[string]any{"index": i, "function": map[string]any{"arguments": p}}
			if !s.send("", chunk(map[string]any{"tool_calls": []any{part}}, nil)) {
				return
			}
		}
	}
	if t.Finish != "" {
		finish = t.Finish
	}
	if !s.send("", chunk(map[string]any{}, finish)) {
		return
	}
	u := usageOf(t)
	if s.send("", map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model, "choices": []any{},
		"usage": map[string]any{"prompt_tokens": u.PromptTokens, "completion_tokens": u.CompletionTokens, "total_tokens": u.TotalTokens}}) {
		s.send("", "[DONE]")
	}
}
