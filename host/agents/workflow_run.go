package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/manifests"
)

// KindStep is the error kind of a workflow run whose step failed.
const KindStep = "step_failed"

// wfRun is one run of a workflow: the document its pointers read,
// {"input": <the run's input>, "steps": {<id>: <output>}}.
type wfRun struct {
	ru *run
	d  *Definition
	p  host.Principal

	mu    sync.Mutex
	steps map[string]any
	input any
	last  any
}

// workflow runs d's steps for p and returns the run's output as text.
func (ru *run) workflow(ctx context.Context, d *Definition, p host.Principal, input string) (string, error) {
	w := &wfRun{ru: ru, d: d, p: p, steps: map[string]any{}, input: input}
	if v, err := decodeJSON([]byte(input)); err == nil {
		w.input = v // JSON input is read by pointer; any other is text
	}
	if err := w.run(ctx, d.Workflow.Steps); err != nil {
		return "", err
	}
	out := w.last
	if d.Workflow.Output != nil {
		var err error
		if out, err = w.resolve("output", d.Workflow.Output); err != nil {
			return "", err
		}
	}
	return text(out)
}

// text is a string as itself and any other value as its JSON.
func text(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := marshal(v)
	return string(b), err
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// run runs steps in order.
func (w *wfRun) run(ctx context.Context, steps []WorkflowStep) error {
	for _, s := range steps {
		out, err := w.step(ctx, s)
		if err != nil {
			return err
		}
		w.set(s.ID, out, s.Condition == nil)
	}
	return nil
}

// set records a step's output. The run's default output is the last one
// of a step that is not a condition: a condition's own says only which
// branch it took.
func (w *wfRun) set(id string, out any, last bool) {
	w.mu.Lock()
	w.steps[id] = out
	if last {
		w.last = out
	}
	w.mu.Unlock()
}

// stepErr fails the run at step id.
func stepErr(id, format string, args ...any) error {
	return &runErr{KindStep, "step " + id + ": " + fmt.Sprintf(format, args...)}
}

func (w *wfRun) step(ctx context.Context, s WorkflowStep) (any, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	switch {
	case s.Action != "":
		return w.action(ctx, s)
	case s.Agent != "":
		return w.agent(ctx, s)
	case s.Parallel != nil:
		return w.parallel(ctx, s)
	}
	return w.condition(ctx, s)
}

// resolve returns template raw with each {"$from": pointer} replaced by the
// value there.
func (w *wfRun) resolve(id string, raw json.RawMessage) (any, error) {
	if raw == nil {
		return map[string]any{}, nil
	}
	t, err := decodeJSON(raw)
	if err != nil {
		return nil, stepErr(id, "input: %v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	doc := map[string]any{"input": w.input, "steps": w.steps}
	return fill(t, doc, id)
}

func fill(t, doc any, id string) (any, error) {
	switch v := t.(type) {
	case map[string]any:
		if ptr, ok := v[fromKey].(string); ok && len(v) == 1 {
			return at(doc, ptr, id)
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			f, err := fill(e, doc, id)
			if err != nil {
				return nil, err
			}
			out[k] = f
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			f, err := fill(e, doc, id)
			if err != nil {
				return nil, err
			}
			out[i] = f
		}
		return out, nil
	}
	return t, nil
}

func at(doc any, ptr, id string) (any, error) {
	tokens, err := parsePointer(ptr)
	if err != nil {
		return nil, stepErr(id, "%v", err)
	}
	v, err := lookup(doc, tokens)
	if err != nil {
		return nil, stepErr(id, "%s: %v", clipName(ptr), err)
	}
	return v, nil
}

// action calls a plugin action as the run's principal narrowed to the
// action's scopes, paused for a human as the workflow's approval policy
// says, journaled like an agent's tool call.
func (w *wfRun) action(ctx context.Context, s WorkflowStep) (any, error) {
	ru, d := w.ru, w.d
	plugin, name, _ := strings.Cut(s.Action, ".")
	a, err := w.find(ctx, plugin, name)
	if err != nil {
		return nil, err
	}
	if a == nil {
		ru.record(Step{Kind: "tool", Agent: d.Name, Tool: s.Action, CallID: s.ID, Status: "error", Error: "not callable"})
		return nil, stepErr(s.ID, "%s is not loaded, or the run may not call it", s.Action)
	}
	if err := ru.budget.toolCall(); err != nil {
		return nil, err
	}
	p := narrowTo(w.p, a.Scopes)
	tool := manifests.ToolName(plugin, name)
	step := Step{Kind: "tool", Agent: d.Name, Tool: tool, CallID: s.ID}
	fail := func(status, msg string) (any, error) {
		step.Status, step.Error = status, msg
		ru.record(step)
		return nil, stepErr(s.ID, "%s", msg)
	}
	in, err := w.resolve(s.ID, s.Input)
	if err != nil {
		return nil, err
	}
	raw, err := marshal(in)
	if err != nil {
		return nil, stepErr(s.ID, "input: %v", err)
	}
	args, err := canonicalArgs(string(raw))
	if err != nil {
		return fail("error", err.Error())
	}
	if err := ru.r.Invoker.Check(p, a.Plugin, a.Name, args); err != nil {
		return fail("error", err.Error())
	}
	if needsApproval(d.Approval, *a) {
		msg, ok, err := ru.gate(ctx, d, p, *a, llm.ToolCall{ID: s.ID, Name: tool, Arguments: string(args)}, args)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, stepErr(s.ID, "%s", strings.TrimPrefix(msg, "error: "))
		}
		if err := ru.r.Invoker.Check(p, a.Plugin, a.Name, args); err != nil {
			return fail("error", err.Error())
		}
	}
	res := ru.invokeStep(ctx, p, *a, args)
	switch {
	case res.Interrupted:
		step.Status, step.Error = "interrupted", "the process stopped during this call; it is not run again"
		ru.record(step)
		return nil, &runErr{KindInterrupted, "step " + s.ID + ": interrupted by a restart; whether it took effect is unknown"}
	case res.Error != "":
		return fail("error", res.Error)
	}
	step.Status = "ok"
	ru.record(step)
	out, err := decodeJSON(res.Output)
	if err != nil {
		return nil, stepErr(s.ID, "output: %v", err)
	}
	return out, nil
}

// find returns the action if the run's principal may call it, else nil.
func (w *wfRun) find(ctx context.Context, plugin, name string) (*host.ActionInfo, error) {
	callable, err := w.ru.r.Invoker.Actions(ctx, w.p)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	i := slices.IndexFunc(callable, func(a host.ActionInfo) bool { return a.Plugin == plugin && a.Name == name })
	if i < 0 {
		return nil, nil
	}
	return &callable[i], nil
}

// narrowTo is p holding only those of its scopes in need.
func narrowTo(p host.Principal, need []string) host.Principal {
	child := host.Principal{ClientID: p.ClientID, Subject: p.Subject}
	for _, s := range p.Scopes {
		if slices.Contains(need, s) && !slices.Contains(child.Scopes, s) {
			child.Scopes = append(child.Scopes, s)
		}
	}
	return child
}

// agent runs an agent to its answer, with the principal narrowed to it.
func (w *wfRun) agent(ctx context.Context, s WorkflowStep) (any, error) {
	ru, d := w.ru, w.d
	sub := ru.r.Agents[s.Agent]
	step := Step{Kind: "agent", Agent: d.Name, Tool: s.Agent, CallID: s.ID}
	if sub == nil || sub.Workflow != nil || !w.p.HasScope(ScopeRunPrefix+s.Agent) {
		step.Status, step.Error = "error", "not runnable"
		ru.record(step)
		return nil, stepErr(s.ID, "the run may not run agent %s (needs scope %s%s)", s.Agent, ScopeRunPrefix, s.Agent)
	}
	in, err := w.resolve(s.ID, s.Input)
	if err != nil {
		return nil, err
	}
	task, err := text(in)
	if err != nil || task == "" || s.Input == nil {
		return nil, stepErr(s.ID, "an agent step needs a non-empty input")
	}
	p, err := ru.r.narrow(ctx, sub, w.p, false)
	if err != nil {
		return nil, err
	}
	out, err := ru.converse(ctx, sub, p, task, false)
	var re *runErr
	if errors.As(err, &re) && re.kind != KindBudget {
		step.Status, step.Error = "error", re.msg
		ru.record(step)
		return nil, stepErr(s.ID, "agent %s: %s", s.Agent, re.msg)
	}
	if err != nil {
		return nil, err
	}
	step.Status = "ok"
	ru.record(step)
	return out, nil
}

// parallel runs steps side by side and returns their outputs by id.
//
// Under a durable journal the branches run one after another instead: DBOS
// identifies a workflow's steps by the order they start in, which branches
// running side by side would make differ between a run and its replay.
func (w *wfRun) parallel(ctx context.Context, s WorkflowStep) (any, error) {
	outs := make([]any, len(s.Parallel))
	errs := make([]error, len(s.Parallel))
	one := func(i int) {
		outs[i], errs[i] = w.step(ctx, s.Parallel[i])
		if errs[i] == nil {
			w.set(s.Parallel[i].ID, outs[i], false)
		}
	}
	if _, direct := w.ru.journal.(Direct); direct {
		var wg sync.WaitGroup
		for i := range s.Parallel {
			wg.Go(func() { one(i) })
		}
		wg.Wait()
	} else {
		for i := range s.Parallel {
			if one(i); errs[i] != nil {
				break
			}
		}
	}
	out := map[string]any{}
	for i, b := range s.Parallel {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[b.ID] = outs[i]
	}
	return out, nil
}

// condition runs then or else as the condition holds; its output says which.
func (w *wfRun) condition(ctx context.Context, s WorkflowStep) (any, error) {
	w.mu.Lock()
	doc := map[string]any{"input": w.input, "steps": w.steps}
	ok, err := s.Condition.holds(doc)
	w.mu.Unlock()
	if err != nil {
		return nil, stepErr(s.ID, "condition: %v", err)
	}
	branch, steps := "then", s.Then
	if !ok {
		branch, steps = "else", s.Else
	}
	if err := w.run(ctx, steps); err != nil {
		return nil, err
	}
	return map[string]any{"branch": branch}, nil
}

// holds evaluates c on doc. A pointer naming no value makes equals, the
// comparisons and exists: true false, and not_equals true.
func (c *Condition) holds(doc any) (bool, error) {
	tokens, err := parsePointer(c.Pointer)
	if err != nil {
		return false, err
	}
	v, err := lookup(doc, tokens)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNoValue) {
		return false, err
	}
	switch {
	case c.Exists != nil:
		return found == *c.Exists, nil
	case c.Equals != nil:
		return found && sameJSON(v, c.Equals), nil
	case c.NotEquals != nil:
		return !found || !sameJSON(v, c.NotEquals), nil
	}
	n, isNum := v.(json.Number)
	if !found || !isNum {
		return false, nil
	}
	f, err := n.Float64()
	if err != nil {
		return false, nil
	}
	if c.GreaterThan != nil {
		return f > *c.GreaterThan, nil
	}
	return c.LessThan != nil && f < *c.LessThan, nil
}

// sameJSON compares v with raw as canonical JSON; numbers compare by value.
func sameJSON(v any, raw json.RawMessage) bool {
	want, err := decodeJSON(raw)
	if err != nil {
		return false
	}
	a, errA := canonicalValue(v)
	b, errB := canonicalValue(want)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// canonicalValue encodes v with keys sorted and numbers normalised.
func canonicalValue(v any) ([]byte, error) {
	return marshal(normalise(v))
}

func normalise(v any) any {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalise(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalise(e)
		}
		return out
	}
	return v
}
