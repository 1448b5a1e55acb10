package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// maxStreamCalls bounds the tool calls one streamed answer may open: an
// index is the model's word, and must not size an allocation.
const maxStreamCalls = 128

// Stream implements ChatModel with go-openai's chat completion stream.
func (o *OpenAI) Stream(ctx context.Context, req Request, onDelta func(Delta)) (Response, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	oreq := toOpenAI(req)
	oreq.Stream = true
	oreq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	st, err := o.client.CreateChatCompletionStream(ctx, oreq)
	if err != nil {
		return Response{}, o.classify(ctx, err)
	}
	defer st.Close()
	var acc openaiAccumulator
	for {
		chunk, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Response{}, o.classify(ctx, err)
		}
		if err := acc.add(chunk, onDelta); err != nil {
			return Response{}, fmt.Errorf("%w: %s: %v", ErrProvider, o.name, err)
		}
	}
	if acc.finish == "" {
		return Response{}, fmt.Errorf("%w: %s: the stream ended before the answer did", ErrProvider, o.name)
	}
	return acc.response(), nil
}

// openaiAccumulator builds a Response from stream chunks.
type openaiAccumulator struct {
	text, refusal strings.Builder
	calls         []ToolCall
	finish        openai.FinishReason
	usage         Usage
}

func (a *openaiAccumulator) add(c openai.ChatCompletionStreamResponse, onDelta func(Delta)) error {
	if c.Usage != nil {
		a.usage = Usage{PromptTokens: c.Usage.PromptTokens, CompletionTokens: c.Usage.CompletionTokens, TotalTokens: c.Usage.TotalTokens, Calls: 1}
	}
	if len(c.Choices) == 0 {
		return nil
	}
	ch := c.Choices[0]
	if ch.FinishReason != "" {
		a.finish = ch.FinishReason
	}
	d := ch.Delta
	a.refusal.WriteString(d.Refusal)
	if d.Content != "" {
		a.text.WriteString(d.Content)
		emit(onDelta, Delta{Text: d.Content})
	}
	for _, tc := range d.ToolCalls {
		i := len(a.calls) - 1
		if tc.Index != nil {
			i = *tc.Index
		}
		if i < 0 || i >= maxStreamCalls {
			return fmt.Errorf("tool call index %d out of range", i)
		}
		for len(a.calls) <= i {
			a.calls = append(a.calls, ToolCall{})
		}
		tcall := &a.calls[i]
		if tc.ID != "" {
			tcall.ID = tc.ID
		}
		tcall.Name += tc.Function.Name
		tcall.Arguments += tc.Function.Arguments
		emit(onDelta, Delta{ToolCall: &ToolCallDelta{Index: i, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
	}
	return nil
}

func emit(onDelta func(Delta), d Delta) {
	if onDelta != nil {
		onDelta(d)
	}
}

func (a *openaiAccumulator) response() Response {
	out := Response{
		Message:    Message{Role: RoleAssistant, Content: a.text.String(), ToolCalls: a.calls},
		StopReason: stopReason(a.finish),
		Usage:      a.usage,
	}
	out.Usage.Calls = 1
	switch {
	case len(out.Message.ToolCalls) > 0:
		out.StopReason = StopToolCalls
	case a.refusal.Len() > 0 && out.Message.Content == "":
		out.Message.Content, out.StopReason = a.refusal.String(), StopRefused
	}
	return out
}
