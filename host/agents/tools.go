package agents

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/hostscope"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/manifests"
)

// Tool name prefixes of the tools that are agents.
const (
	transferPrefix = "transfer_to_"
	askPrefix      = "ask_"
)

// Host scopes of agents.
const (
	// ScopeRunPrefix + name runs agent name (and hands off to it or asks it).
	ScopeRunPrefix = "agents:"
	// ScopeContinuous lets a run skip approval pauses (mode continuous).
	ScopeContinuous = hostscope.AgentsContinuous
	// ScopeApprove approves or rejects paused calls; the client that runs
	// an agent should never hold it.
	ScopeApprove = "runs:approve"
)

// offered is one tool offered to the model.
type offered struct {
	kind   string // "action", "transfer" or "ask"
	action host.ActionInfo
	agent  string
}

// toolset is what one agent is offered for one principal.
type toolset struct {
	byName map[string]offered
	list   []llm.Tool
}

// tools builds d's tools for p: its actions that p may call, its handoffs
// and agents-as-tools whose scope p holds. Nothing else is offered.
func (r *Runner) tools(ctx context.Context, d *Definition, p host.Principal) (toolset, error) {
	callable, err := r.Invoker.Actions(ctx, p)
	if err != nil {
		return toolset{}, fmt.Errorf("list actions: %w", err)
	}
	ts := toolset{byName: map[string]offered{}}
	for _, ref := range d.Tools {
		plugin, action, _ := strings.Cut(ref, ".")
		i := slices.IndexFunc(callable, func(a host.ActionInfo) bool { return a.Plugin == plugin && a.Name == action })
		if i < 0 {
			continue // not loaded, or p may not call it
		}
		a := callable[i]
		ts.add(manifests.ToolName(plugin, action), offered{kind: "action", action: a}, a.Description, a.Input)
	}
	for _, name := range d.Handoffs {
		if to := r.Agents[name]; to != nil && p.HasScope(ScopeRunPrefix+name) {
			ts.add(transferPrefix+name, offered{kind: "transfer", agent: name},
				"Hand the conversation over to the "+name+" agent: "+to.Description, emptyObject)
		}
	}
	for _, name := range d.AgentsAsTools {
		if sub := r.Agents[name]; sub != nil && p.HasScope(ScopeRunPrefix+name) {
			ts.add(askPrefix+name, offered{kind: "ask", agent: name},
				"Ask the "+name+" agent and get its answer: "+sub.Description, askSchema)
		}
	}
	return ts, nil
}

var (
	emptyObject = json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
	askSchema   = json.RawMessage(`{"type":"object","properties":{"input":{"type":"string","description":"What to ask."}},"required":["input"],"additionalProperties":false}`)
)

func (ts *toolset) add(name string, o offered, desc string, params json.RawMessage) {
	ts.byName[name] = o
	ts.list = append(ts.list, llm.Tool{Name: name, Description: desc, Parameters: params})
}

// ActorPrefix + name is an in-process sub-agent's name in a delegation
// chain (host.Principal.Actors).
const ActorPrefix = "agent:"

// narrow returns the principal sub-agent d runs with, by host.Principal's
// one delegation rule: p's scopes that d's own tools, handoffs and
// agents-as-tools need — never one p lacks — and d appended to the chain.
// A handoff replaces the in-process agent handing off in the chain rather
// than nesting under it, so a conversation passed back and forth does not
// grow deeper; an agent asked as a tool nests.
func (r *Runner) narrow(ctx context.Context, d *Definition, p host.Principal, handoff bool) (host.Principal, error) {
	callable, err := r.Invoker.Actions(ctx, p)
	if err != nil {
		return host.Principal{}, fmt.Errorf("list actions: %w", err)
	}
	var need []string
	for _, ref := range d.Tools {
		plugin, action, _ := strings.Cut(ref, ".")
		for _, a := range callable {
			if a.Plugin == plugin && a.Name == action {
				need = append(need, a.Scopes...)
			}
		}
	}
	for _, name := range append(slices.Clone(d.Handoffs), d.AgentsAsTools...) {
		need = append(need, ScopeRunPrefix+name)
	}
	need = append(need, ScopeRunPrefix+d.Name, ScopeContinuous)
	if n := len(p.Actors); handoff && n > 0 && strings.HasPrefix(p.Actors[n-1], ActorPrefix) {
		p.Actors = p.Actors[:n-1]
		if len(p.Actors) == 1 {
			p.Actors = nil // the client alone: no delegation left
		}
	}
	return p.Narrow(ActorPrefix+d.Name, need)
}

// needsApproval says whether d's policy pauses a call of a.
func needsApproval(policy string, a host.ActionInfo) bool {
	switch policy {
	case ApproveNone:
		return false
	case ApproveAll:
		return true
	}
	return a.Effect != "read" // writes, and anything not declared a read
}
