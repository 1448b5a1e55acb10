package agents

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/rag"
)

// maxToolOutput bounds what one tool result puts into the conversation: a
// larger output is asked for as a handle, which the rag tools then search.
const maxToolOutput = 64 << 10

// converse runs d's conversation for p from input until the model answers
// without tool calls, following handoffs. top marks the run's own
// conversation, as opposed to an agent called as a tool.
func (ru *run) converse(ctx context.Context, d *Definition, p host.Principal, input string, top bool) (string, error) {
	msgs := []llm.Message{{Role: llm.RoleSystem, Content: d.Instructions}, {Role: llm.RoleUser, Content: input}}
	for {
		ts, err := ru.r.tools(ctx, d, p)
		if err != nil {
			return "", err
		}
		ru.offerRAG(&ts)
		resp, err := ru.chat(ctx, d, msgs, ts.list)
		if err != nil {
			return "", err
		}
		msg := resp.Message
		msg.Role = llm.RoleAssistant
		msgs = append(msgs, msg)
		if len(msg.ToolCalls) == 0 {
			switch resp.StopReason {
			case llm.StopFiltered:
				return "", &runErr{KindFiltered, "the provider withheld the answer"}
			case llm.StopRefused:
				return "", &runErr{KindRefused, "the model refused: " + oneLine(msg.Content)}
			}
			return msg.Content, nil
		}
		var next *Definition
		for _, call := range msg.ToolCalls {
			content := "not run: the conversation was transferred to " + nameOf(next)
			if next == nil {
				var to *Definition
				if content, to, err = ru.call(ctx, d, p, ts, call); err != nil {
					return "", err
				}
				next = to
			}
			msgs = append(msgs, llm.Message{Role: llm.RoleTool, ToolCallID: call.ID, Content: content})
		}
		if next != nil {
			if p, err = ru.r.narrow(ctx, next, p, true); err != nil {
				return "", err
			}
			d, msgs[0] = next, llm.Message{Role: llm.RoleSystem, Content: next.Instructions}
			if top {
				ru.mu.Lock()
				ru.res.Agent = next.Name
				ru.mu.Unlock()
			}
		}
	}
}

func nameOf(d *Definition) string {
	if d == nil {
		return ""
	}
	return d.Name
}

// chat makes one model call as a journaled step.
func (ru *run) chat(ctx context.Context, d *Definition, msgs []llm.Message, tools []llm.Tool) (llm.Response, error) {
	model, err := ru.r.Models(d.Model.Provider)
	if err != nil {
		return llm.Response{}, &runErr{KindLLM, err.Error()}
	}
	if err := ru.budget.turn(); err != nil {
		return llm.Response{}, err
	}
	req := llm.Request{Model: d.Model.Name, Messages: msgs, Tools: tools, Temperature: d.Model.Temperature, MaxTokens: d.Model.MaxTokens}
	call := func(ctx context.Context) (llm.Response, error) {
		ctx, cancel := context.WithTimeout(ctx, ru.budget.remaining())
		defer cancel()
		if ru.req.Observe == nil {
			return model.Chat(ctx, req)
		}
		return model.Stream(ctx, req, func(dl llm.Delta) {
			if dl.Text != "" {
				ru.req.Observe(Event{Delta: &Delta{Agent: d.Name, Text: dl.Text}})
			}
		})
	}
	turns, _ := ru.budget.counts()
	resp, err := journaled(ctx, ru.journal, "llm:"+strconv.Itoa(turns), call)
	if err != nil {
		ru.record(Step{Kind: "llm", Agent: d.Name, Status: "error", Error: err.Error()})
		if terr := ru.budget.checkTime(); terr != nil {
			return llm.Response{}, terr
		}
		return llm.Response{}, &runErr{KindLLM, err.Error()}
	}
	u := resp.Usage
	ru.mu.Lock()
	ru.res.Usage = ru.res.Usage.Add(u)
	ru.mu.Unlock()
	ru.record(Step{Kind: "llm", Agent: d.Name, Status: "ok", Usage: &u})
	return resp, ru.budget.addTokens(u)
}

// call answers one tool call of the model. It returns the tool message for
// the model and, for a handoff, the agent taking over. An error ends the
// run (budget, cancellation); everything the model got wrong is a tool
// error it can read and correct.
func (ru *run) call(ctx context.Context, d *Definition, p host.Principal, ts toolset, call llm.ToolCall) (string, *Definition, error) {
	o, ok := ts.byName[call.Name]
	if !ok {
		ru.record(Step{Kind: "tool", Agent: d.Name, Tool: clipName(call.Name), CallID: call.ID, Status: "error", Error: "unknown tool"})
		return fmt.Sprintf("error: there is no tool %q; use only the tools offered", clipName(call.Name)), nil, nil
	}
	switch o.kind {
	case "transfer":
		ru.record(Step{Kind: "handoff", Agent: d.Name, Tool: call.Name, CallID: call.ID, Status: "ok"})
		return "transferred to " + o.agent, ru.r.Agents[o.agent], nil
	case "ask":
		out, err := ru.ask(ctx, d, p, o.agent, call)
		return out, nil, err
	case "rag":
		out, err := ru.callRAG(ctx, d, p, call)
		return out, nil, err
	}
	out, err := ru.callAction(ctx, d, p, o.action, call)
	return out, nil, err
}

func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// ask runs agent name as a tool, with p narrowed to its needs.
func (ru *run) ask(ctx context.Context, d *Definition, p host.Principal, name string, call llm.ToolCall) (string, error) {
	if err := ru.budget.toolCall(); err != nil {
		return "", err
	}
	var args struct {
		Input string `json:"input"`
	}
	if err := json.Unmarshal([]byte(call.Arguments), &args); err != nil || args.Input == "" {
		ru.record(Step{Kind: "agent", Agent: d.Name, Tool: call.Name, CallID: call.ID, Status: "error", Error: "invalid arguments"})
		return `error: arguments must be {"input": "<non-empty text>"}`, nil
	}
	sub := ru.r.Agents[name]
	sp, err := ru.r.narrow(ctx, sub, p, false)
	if errors.Is(err, host.ErrDelegation) {
		ru.record(Step{Kind: "agent", Agent: d.Name, Tool: call.Name, CallID: call.ID, Status: "error", Error: err.Error()})
		return "error: the " + name + " agent cannot be asked: " + err.Error(), nil
	}
	if err != nil {
		return "", err
	}
	out, err := ru.converse(ctx, sub, sp, args.Input, false)
	var re *runErr
	if errors.As(err, &re) && re.kind != KindBudget {
		ru.record(Step{Kind: "agent", Agent: d.Name, Tool: call.Name, CallID: call.ID, Status: "error", Error: re.msg})
		return "error: the " + name + " agent failed: " + re.msg, nil
	}
	if err != nil {
		return "", err
	}
	ru.record(Step{Kind: "agent", Agent: d.Name, Tool: call.Name, CallID: call.ID, Status: "ok"})
	return out, nil
}

// callAction validates, gates and runs a plugin action.
func (ru *run) callAction(ctx context.Context, d *Definition, p host.Principal, a host.ActionInfo, call llm.ToolCall) (string, error) {
	if err := ru.budget.toolCall(); err != nil {
		return "", err
	}
	step := Step{Kind: "tool", Agent: d.Name, Tool: call.Name, CallID: call.ID}
	toolErr := func(msg string) (string, error) {
		step.Status, step.Error = "error", msg
		ru.record(step)
		return "error: " + msg, nil
	}
	args, err := canonicalArgs(call.Arguments)
	if err != nil {
		return toolErr(err.Error())
	}
	if needsApproval(d.Approval, a) {
		// Checked before a human is asked, so that no one approves a call
		// that cannot run. A call that needs no approval is checked once,
		// by Invoke itself: a failure comes back the same way.
		if err := ru.r.Invoker.Check(p, a.Plugin, a.Name, args); err != nil {
			return toolErr(err.Error())
		}
		msg, ok, err := ru.gate(ctx, d, p, a, call, args)
		if err != nil || !ok {
			return msg, err
		}
		// Re-checked just before the call: scopes or the plugin may have
		// changed while a human decided.
		if err := ru.r.Invoker.Check(p, a.Plugin, a.Name, args); err != nil {
			return toolErr(err.Error())
		}
	}
	res := ru.invokeStep(ctx, p, a, args)
	switch {
	case res.Interrupted:
		step.Status, step.Error = "interrupted", "the process stopped during this call; it is not run again"
		ru.record(step)
		return "error: this call was interrupted by a restart and was not run again; whether it took effect is unknown", nil
	case res.Error != "":
		return toolErr(res.Error)
	}
	step.Status = "ok"
	ru.record(step)
	// The host writes a handle's envelope with a plain "handle" member;
	// an output without those bytes is no envelope and is not parsed again.
	if !bytes.Contains(res.Output, handleMember) {
		return clipOutput(res.Output), nil
	}
	if h, ok := rag.HandleOf(res.Output); ok {
		ru.mu.Lock()
		ru.handles[h] = true
		ru.mu.Unlock()
	}
	return clipOutput(res.Output), nil
}

// handleMember is how a RAG handle's envelope begins its handle member.
var handleMember = []byte(`"handle"`)

// toolResult is a journaled tool call's outcome.
type toolResult struct {
	Output      json.RawMessage `json:"output,omitempty"`
	Error       string          `json:"error,omitempty"`
	Interrupted bool            `json:"interrupted,omitempty"`
}

// invokeStep runs the call as a journaled step. A call that is not a read
// first journals an intent holding a fresh nonce: on a replay the journal
// returns the earlier nonce, which tells that the call may already have
// run; unless its result was journaled too, it is reported interrupted
// instead of being run a second time.
func (ru *run) invokeStep(ctx context.Context, p host.Principal, a host.ActionInfo, args []byte) toolResult {
	_, calls := ru.budget.counts()
	name := "tool:" + strconv.Itoa(calls)
	fresh := true
	if a.Effect != "read" {
		nonce := newNonce()
		got, err := ru.journal.Step(ctx, name+":intent", func(context.Context) ([]byte, error) { return []byte(nonce), nil })
		fresh = err == nil && string(got) == nonce
	}
	res, err := journaled(ctx, ru.journal, name, func(ctx context.Context) (toolResult, error) {
		if !fresh {
			return toolResult{Interrupted: true}, nil
		}
		// An output too large for the model's context comes back as a
		// handle rather than being cut.
		ctx = host.WithHandleOver(host.WithRunID(ctx, ru.req.ID), maxToolOutput)
		ctx, cancel := context.WithTimeout(ctx, ru.budget.remaining())
		defer cancel()
		out, err := ru.r.Invoker.Invoke(ctx, p, a.Plugin, a.Name, args)
		if err != nil {
			return toolResult{Error: err.Error()}, nil
		}
		return toolResult{Output: out}, nil
	})
	if err != nil {
		return toolResult{Error: "the call's result was lost: " + err.Error()}
	}
	return res
}

func clipOutput(out []byte) string {
	if len(out) <= maxToolOutput {
		return string(out)
	}
	return string(out[:maxToolOutput]) + "\n[output truncated]"
}

// gate pauses a call for a human unless the run is continuous and allowed
// to be. It returns ok when the call may run; otherwise the tool message.
func (ru *run) gate(ctx context.Context, d *Definition, p host.Principal, a host.ActionInfo, call llm.ToolCall, args []byte) (string, bool, error) {
	step := Step{Kind: "approval", Agent: d.Name, Tool: call.Name, CallID: call.ID}
	if ru.req.Mode == ModeContinuous && p.HasScope(ScopeContinuous) {
		step.Status = "auto_approved"
		ru.record(step)
		ru.audit(ctx, p, a, args, "auto_approve", p.ClientID, "continuous mode")
		return "", true, nil
	}
	reject := func(status, why string) (string, bool, error) {
		step.Status, step.Error = status, why
		ru.record(step)
		ru.audit(ctx, p, a, args, "reject", "", why)
		return "error: " + why, false, nil
	}
	if ru.r.Approver == nil {
		return reject("rejected", "this call needs a human's approval and none can be asked here")
	}
	hash := CallHash(a.Plugin, a.Name, args, p)
	pend := Pending{
		CallID: call.ID, Agent: d.Name, Tool: call.Name, Description: a.Description, Arguments: args,
		Plugin: a.Plugin, Action: a.Name, Effect: a.Effect, Scopes: a.Scopes, Hash: hash,
		ExpiresAt: time.Now().Add(ru.ttl()).UTC(),
	}
	dec, err := ru.await(ctx, pend)
	if err != nil {
		if ctx.Err() != nil {
			return "", false, err
		}
		return reject("rejected", "no decision came before the approval expired")
	}
	switch {
	case !dec.Approve:
		return reject("rejected", "a human rejected this call: "+oneLine(dec.Reason))
	case dec.Hash != CallHash(a.Plugin, a.Name, args, p):
		return reject("rejected", "the approval does not match this call")
	case !time.Now().Before(pend.ExpiresAt):
		return reject("rejected", "the approval expired")
	case !ru.useNonce(dec.Nonce):
		return reject("rejected", "the approval was already used")
	}
	step.Status = "approved"
	ru.record(step)
	ru.audit(ctx, p, a, args, "approve", dec.By, "")
	return "", true, nil
}

// useNonce marks an approval's nonce used; false if it was already.
func (ru *run) useNonce(n string) bool {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	if n == "" || ru.nonces[n] {
		return false
	}
	ru.nonces[n] = true
	return true
}

// audit records an approval decision on a call of p's as an admin entry:
// who decided (by), the call's plugin and action, its arguments' hash.
func (ru *run) audit(ctx context.Context, p host.Principal, a host.ActionInfo, args []byte, decision, by, why string) {
	if ru.r.Audit == nil {
		return
	}
	sum := sha256.Sum256(args)
	done := map[string]string{"approve": "approved", "reject": "rejected", "auto_approve": "auto-approved"}[decision]
	detail := "agent call " + done + " for client " + p.ClientID
	if p.Delegated() {
		detail += " via " + strings.Join(p.Actors, " → ")
	}
	if by != "" {
		detail += " by " + by
	}
	if why != "" {
		detail += ": " + oneLine(why)
	}
	err := ru.r.Audit.Append(ctx, audit.Entry{
		Kind: audit.KindAdmin, ClientID: by, Subject: p.Subject, Plugin: a.Plugin,
		Action: "agent.call." + decision, InputSHA256: hex.EncodeToString(sum[:]),
		Outcome: audit.OutcomeOK, RunID: ru.req.ID, Detail: detail + " (" + a.Plugin + "." + a.Name + ")",
	})
	if err != nil {
		ru.log.Error("audit approval", "err", err)
	}
}

func (ru *run) ttl() time.Duration {
	if ru.r.ApprovalTTL > 0 {
		return ru.r.ApprovalTTL
	}
	return DefaultApprovalTTL
}

// await waits for the decision on pend, journaled so that a replay does not
// ask again; the wait does not count against the time budget.
func (ru *run) await(ctx context.Context, pend Pending) (Decision, error) {
	if ru.req.Observe != nil {
		ru.req.Observe(Event{Pending: &pend})
	}
	ru.budget.pause()
	defer ru.budget.resume()
	_, calls := ru.budget.counts()
	b, err := ru.journal.Step(ctx, "approval:"+strconv.Itoa(calls), func(ctx context.Context) ([]byte, error) {
		ctx, cancel := context.WithDeadline(ctx, pend.ExpiresAt)
		defer cancel()
		d, err := ru.r.Approver.Await(ctx, ru.req.ID, pend)
		if err != nil {
			return nil, err
		}
		return json.Marshal(d)
	})
	if ru.req.Observe != nil {
		ru.req.Observe(Event{Resolved: pend.CallID})
	}
	if err != nil {
		return Decision{}, err
	}
	var d Decision
	return d, json.Unmarshal(b, &d)
}

// maxReason bounds a human's reason fed back to the model.
const maxReason = 500

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxReason {
		s = s[:maxReason]
	}
	if s == "" {
		return "no reason given"
	}
	return strings.ToValidUTF8(s, "?")
}
