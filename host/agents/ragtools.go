package agents

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/rag"
)

// offerRAG adds rag.ToolSearch and rag.ToolExpand to ts once one of the
// run's tool outputs became a handle. Their names hold no "-", so no
// action's tool name can take them.
func (ru *run) offerRAG(ts *toolset) {
	ru.mu.Lock()
	n := len(ru.handles)
	ru.mu.Unlock()
	if n == 0 {
		return
	}
	for _, t := range rag.Tools() {
		if _, taken := ts.byName[t.Name]; !taken {
			ts.add(t.Name, offered{kind: "rag"}, t.Description, t.Parameters)
		}
	}
}

// errNoHandle is what the model reads for any handle the run cannot read:
// malformed, made up, expired, another run's or another principal's.
const errNoHandle = "error: no such handle; use a handle a tool of this run returned"

// callRAG serves a model's call of a rag tool through the Invoker, as p, as
// a journaled step. It only reads, so a replay that runs it again is safe.
// The handle comes from the model and is untrusted: it must have a handle's
// shape and be one this run's tool outputs became, and the Invoker then
// checks that p owns it.
func (ru *run) callRAG(ctx context.Context, d *Definition, p host.Principal, call llm.ToolCall) (string, error) {
	if err := ru.budget.toolCall(); err != nil {
		return "", err
	}
	step := Step{Kind: "tool", Agent: d.Name, Tool: call.Name, CallID: call.ID}
	toolErr := func(msg, model string) (string, error) {
		step.Status, step.Error = "error", msg
		ru.record(step)
		return model, nil
	}
	c, err := rag.ParseToolCall(call.Name, []byte(call.Arguments))
	if err != nil {
		return toolErr("invalid arguments", "error: "+err.Error())
	}
	ru.mu.Lock()
	ours := rag.ValidHandle(c.Handle) && ru.handles[c.Handle]
	ru.mu.Unlock()
	if !ours {
		return toolErr("no such handle", errNoHandle)
	}
	_, calls := ru.budget.counts()
	res, err := journaled(ctx, ru.journal, "rag:"+strconv.Itoa(calls), func(ctx context.Context) (toolResult, error) {
		ctx, cancel := context.WithTimeout(host.WithRunID(ctx, ru.req.ID), ru.budget.remaining())
		defer cancel()
		out, err := ru.queryHandle(ctx, p, c)
		if err != nil {
			return toolResult{Error: err.Error()}, nil
		}
		return toolResult{Output: out}, nil
	})
	switch {
	case err != nil:
		return toolErr(err.Error(), "error: the search's result was lost: "+err.Error())
	case res.Error == errNoHandle:
		return toolErr("no such handle", errNoHandle)
	case res.Error != "":
		return toolErr(res.Error, "error: "+res.Error)
	}
	step.Status = "ok"
	ru.record(step)
	return clipOutput(res.Output), nil
}

// queryHandle runs c through the Invoker and encodes its answer as the REST
// endpoints do. A handle p does not own reads exactly like a made-up one.
func (ru *run) queryHandle(ctx context.Context, p host.Principal, c rag.ToolCall) ([]byte, error) {
	var v any
	var err error
	if c.Search != nil {
		var hits []rag.Hit
		hits, err = ru.r.Invoker.Search(ctx, p, c.Handle, *c.Search)
		v = map[string]any{"handle": c.Handle, "hits": hits}
	} else {
		var chunks []rag.Chunk
		chunks, err = ru.r.Invoker.Chunks(ctx, p, c.Handle, c.ID, c.Neighbours)
		v = map[string]any{"handle": c.Handle, "chunks": chunks}
	}
	if errors.Is(err, host.ErrHandleNotFound) {
		return nil, errors.New(errNoHandle)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
