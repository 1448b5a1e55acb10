package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secure-agent/saa/manifests"
)

// Kinds of definitions.
const (
	KindAgent    = "agent"
	KindWorkflow = "workflow"
)

// fromKey marks a template object standing for the value at a JSON pointer:
// {"$from": "/steps/analyze/total"}.
const fromKey = "$from"

// Workflow is a fixed pipeline of steps (manifests/workflow.schema.json).
type Workflow struct {
	Steps []WorkflowStep `json:"steps"`
	// Output is a template of the run's output; nil means the last step's.
	Output json.RawMessage `json:"output,omitempty"`
}

// WorkflowStep is one step: exactly one of Action, Agent, Parallel and
// Condition is set.
type WorkflowStep struct {
	ID        string          `json:"id"`
	Action    string          `json:"action,omitempty"`
	Agent     string          `json:"agent,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	Parallel  []WorkflowStep  `json:"parallel,omitempty"`
	Condition *Condition      `json:"condition,omitempty"`
	Then      []WorkflowStep  `json:"then,omitempty"`
	Else      []WorkflowStep  `json:"else,omitempty"`
}

// Condition tests the value at Pointer with exactly one operator.
type Condition struct {
	Pointer     string          `json:"pointer"`
	Equals      json.RawMessage `json:"equals,omitempty"`
	NotEquals   json.RawMessage `json:"not_equals,omitempty"`
	Exists      *bool           `json:"exists,omitempty"`
	GreaterThan *float64        `json:"greater_than,omitempty"`
	LessThan    *float64        `json:"less_than,omitempty"`
}

// workflowDoc is a workflow definition as written.
type workflowDoc struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Approval    string `json:"approval"`
	Limits      Limits `json:"limits"`
	Workflow
}

// parseWorkflow reads a workflow definition: validated against
// manifests/workflow.schema.json, then its step ids, action references and
// JSON pointers checked.
func parseWorkflow(file string, data []byte) (*Definition, error) {
	js, err := manifests.ValidateWorkflow(data)
	if err != nil {
		de := definitionErr(file, err)
		de.Kind = KindWorkflow
		return nil, de
	}
	var doc workflowDoc
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, &DefinitionError{File: file, Reason: "decode: " + err.Error(), Kind: KindWorkflow}
	}
	w := doc.Workflow
	d := &Definition{Kind: KindWorkflow, Name: doc.Name, Description: doc.Description, Approval: doc.Approval, Limits: doc.Limits, Workflow: &w}
	if derr := d.check(); derr != nil {
		derr.File, derr.Kind = file, KindWorkflow
		return nil, derr
	}
	c := &wfCheck{ids: map[string]bool{}, all: map[string]bool{}}
	collectIDs(w.Steps, c.all)
	visible := map[string]bool{}
	c.steps("steps", w.Steps, visible)
	if c.err == nil && w.Output != nil {
		c.template("output", w.Output, visible)
	}
	if c.err != nil {
		c.err.File, c.err.Kind = file, KindWorkflow
		return nil, c.err
	}
	d.Tools, d.AgentsAsTools = c.actions, c.agents
	return d, nil
}

func definitionErr(file string, err error) *DefinitionError {
	var fe *manifests.FieldError
	if errors.As(err, &fe) {
		return &DefinitionError{File: file, Field: fe.Field, Reason: fe.Reason}
	}
	return &DefinitionError{File: file, Reason: err.Error()}
}

// wfCheck walks a workflow's steps in the order they run, so that a
// pointer may only name the input and steps that run before it.
type wfCheck struct {
	ids             map[string]bool // seen so far
	all             map[string]bool // in the whole workflow
	actions, agents []string
	err             *DefinitionError
}

func (c *wfCheck) fail(field, reason string) {
	if c.err == nil {
		c.err = &DefinitionError{Field: field, Reason: reason}
	}
}

// steps checks steps, which see the ids in visible, and adds theirs to it.
func (c *wfCheck) steps(field string, steps []WorkflowStep, visible map[string]bool) {
	for i, s := range steps {
		c.step(fmt.Sprintf("%s[%d]", field, i), s, visible)
	}
}

func (c *wfCheck) step(field string, s WorkflowStep, visible map[string]bool) {
	if c.ids[s.ID] {
		c.fail(field+".id", fmt.Sprintf("step id %q is used twice", s.ID))
		return
	}
	c.ids[s.ID] = true
	if s.Input != nil && s.Action == "" && s.Agent == "" {
		c.fail(field+".input", "only action and agent steps take an input")
	}
	if (s.Then != nil || s.Else != nil) && s.Condition == nil {
		c.fail(field, "then and else belong to condition steps")
	}
	switch {
	case s.Action != "":
		if !slices.Contains(c.actions, s.Action) {
			c.actions = append(c.actions, s.Action)
		}
		c.template(field+".input", s.Input, visible)
	case s.Agent != "":
		if !slices.Contains(c.agents, s.Agent) {
			c.agents = append(c.agents, s.Agent)
		}
		c.template(field+".input", s.Input, visible)
	case s.Parallel != nil:
		// Side by side, no branch sees another's output.
		var added []map[string]bool
		for i, p := range s.Parallel {
			branch := clone(visible)
			c.step(fmt.Sprintf("%s.parallel[%d]", field, i), p, branch)
			added = append(added, branch)
		}
		for _, b := range added {
			for id := range b {
				visible[id] = true
			}
		}
	case s.Condition != nil:
		c.pointer(field+".condition.pointer", s.Condition.Pointer, visible)
		then, els := clone(visible), clone(visible)
		c.steps(field+".then", s.Then, then)
		c.steps(field+".else", s.Else, els)
		// A step of the branch not taken has no output: naming it later is
		// an error at run time, with its name.
		for _, b := range []map[string]bool{then, els} {
			for id := range b {
				visible[id] = true
			}
		}
	}
	visible[s.ID] = true
}

func collectIDs(steps []WorkflowStep, into map[string]bool) {
	for _, s := range steps {
		into[s.ID] = true
		collectIDs(s.Parallel, into)
		collectIDs(s.Then, into)
		collectIDs(s.Else, into)
	}
}

func clone(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// template checks every $from of a template.
func (c *wfCheck) template(field string, raw json.RawMessage, visible map[string]bool) {
	if raw == nil {
		return
	}
	v, err := decodeJSON(raw)
	if err != nil {
		c.fail(field, "not JSON: "+err.Error())
		return
	}
	walkTemplate(v, func(ptr any, ok bool) {
		s, isStr := ptr.(string)
		switch {
		case !ok:
			c.fail(field, `an object with "$from" holds nothing else`)
		case !isStr:
			c.fail(field, `"$from" must be a JSON pointer string`)
		default:
			c.pointer(field, s, visible)
		}
	})
}

// walkTemplate calls fn with the value of each $from of v; ok is false for
// an object holding $from beside other members.
func walkTemplate(v any, fn func(ptr any, ok bool)) {
	switch t := v.(type) {
	case map[string]any:
		if p, has := t[fromKey]; has {
			fn(p, len(t) == 1)
			return
		}
		for _, k := range sortedKeys(t) {
			walkTemplate(t[k], fn)
		}
	case []any:
		for _, e := range t {
			walkTemplate(e, fn)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pointer checks that ptr is a JSON pointer into /input, or into the output
// of a step in visible.
func (c *wfCheck) pointer(field, ptr string, visible map[string]bool) {
	tokens, err := parsePointer(ptr)
	if err != nil {
		c.fail(field, err.Error())
		return
	}
	switch {
	case len(tokens) >= 1 && tokens[0] == "input":
	case len(tokens) >= 2 && tokens[0] == "steps" && visible[tokens[1]]:
	case len(tokens) >= 2 && tokens[0] == "steps" && c.all[tokens[1]]:
		c.fail(field, fmt.Sprintf("%s names step %q, which has not run by then", ptr, tokens[1]))
	case len(tokens) >= 2 && tokens[0] == "steps":
		c.fail(field, fmt.Sprintf("%s names step %q, which no earlier step is", ptr, tokens[1]))
	default:
		c.fail(field, fmt.Sprintf("%s must start with /input or /steps/<id>", strings.ReplaceAll(ptr, "\n", " ")))
	}
}
