package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/secure-agent/saa/manifests"
)

// Approval policies.
const (
	ApproveNone   = "none"   // no call pauses
	ApproveWrites = "writes" // calls of actions whose effect is write or destructive pause
	ApproveAll    = "all"    // every call pauses
)

// Default budgets, for definitions that set none.
const (
	DefaultMaxTurns     = 12
	DefaultMaxToolCalls = 30
	DefaultMaxTokens    = 50000
	DefaultTimeout      = 10 * time.Minute
)

// Definition is a validated agent definition.
type Definition struct {
	// Kind is KindAgent or KindWorkflow.
	Kind          string   `json:"kind,omitempty"`
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	Model         Model    `json:"model"`
	Instructions  string   `json:"instructions"`
	Tools         []string `json:"tools,omitempty"`
	Handoffs      []string `json:"handoffs,omitempty"`
	AgentsAsTools []string `json:"agents_as_tools,omitempty"`
	Approval      string   `json:"approval,omitempty"`
	Limits        Limits   `json:"limits"`
	// Workflow holds a workflow's steps. A workflow's Tools and
	// AgentsAsTools list the actions and agents its steps name.
	Workflow *Workflow `json:"-"`
}

// Model names the provider and model an agent uses.
type Model struct {
	Provider    string   `json:"provider,omitempty"`
	Name        string   `json:"name"`
	Temperature *float32 `json:"temperature,omitempty"`
	MaxTokens   int      `json:"max_tokens,omitempty"`
}

// Limits are a run's budgets; Parse fills the defaults.
type Limits struct {
	MaxTurns     int           `json:"max_turns,omitempty"`
	MaxToolCalls int           `json:"max_tool_calls,omitempty"`
	MaxTokens    int           `json:"max_tokens,omitempty"`
	Timeout      time.Duration `json:"-"`
	RawTimeout   string        `json:"timeout,omitempty"`
}

// ErrInvalid is wrapped by every error that rejects a definition.
var ErrInvalid = errors.New("invalid agent definition")

// DefinitionError rejects one field of one definition file.
type DefinitionError struct {
	File, Field, Reason string
	// Kind is the definition's kind; empty means an agent.
	Kind string
}

// Error returns "<kind> <file>: <field>: <reason>".
func (e *DefinitionError) Error() string {
	s := KindAgent
	if e.Kind != "" {
		s = e.Kind
	}
	if e.File != "" {
		s += " " + e.File
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Reason
}

// Unwrap returns ErrInvalid.
func (e *DefinitionError) Unwrap() error { return ErrInvalid }

// Parse reads one definition (YAML or JSON) from file, validates it against
// manifests/agent.schema.json and the rules the schema cannot say, and
// fills default budgets. file only names the definition in errors.
func Parse(file string, data []byte) (*Definition, error) {
	kind, err := manifests.DefinitionKind(data)
	if err != nil {
		return nil, definitionErr(file, err)
	}
	if kind == KindWorkflow {
		return parseWorkflow(file, data)
	}
	js, err := manifests.ValidateAgent(data)
	if err != nil {
		return nil, definitionErr(file, err)
	}
	var d Definition
	if err := json.Unmarshal(js, &d); err != nil {
		return nil, &DefinitionError{File: file, Reason: "decode: " + err.Error()}
	}
	if err := d.check(); err != nil {
		err.File = file
		return nil, err
	}
	return &d, nil
}

// check applies the semantic rules and the defaults.
func (d *Definition) check() *DefinitionError {
	if d.Kind == "" {
		d.Kind = KindAgent
	}
	if d.Model.Provider == "" {
		d.Model.Provider = "default"
	}
	if d.Approval == "" {
		d.Approval = ApproveWrites // deny by default: writes wait for a human
	}
	for i, h := range d.Handoffs {
		if h == d.Name {
			return &DefinitionError{Field: fmt.Sprintf("handoffs[%d]", i), Reason: "an agent cannot hand off to itself"}
		}
	}
	for i, h := range d.AgentsAsTools {
		if h == d.Name {
			return &DefinitionError{Field: fmt.Sprintf("agents_as_tools[%d]", i), Reason: "an agent cannot call itself"}
		}
	}
	l := &d.Limits
	l.MaxTurns = cmpOr(l.MaxTurns, DefaultMaxTurns)
	l.MaxToolCalls = cmpOr(l.MaxToolCalls, DefaultMaxToolCalls)
	l.MaxTokens = cmpOr(l.MaxTokens, DefaultMaxTokens)
	l.Timeout = DefaultTimeout
	if l.RawTimeout != "" {
		t, err := time.ParseDuration(l.RawTimeout)
		if err != nil || t < time.Second || t > 24*time.Hour {
			return &DefinitionError{Field: "limits.timeout", Reason: "must be a duration from 1s to 24h"}
		}
		l.Timeout = t
	}
	return nil
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Set is the agents loaded from a directory, by name.
type Set map[string]*Definition

// LoadDir loads every .yaml, .yml and .json file of dir (not recursively,
// hidden files skipped). A bad file, two agents of one name, or a handoff
// or agent-as-tool naming an agent that is not there fail the whole load.
func LoadDir(dir string) (Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load agents: %w", err)
	}
	set := Set{}
	files := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !slices.Contains([]string{".yaml", ".yml", ".json"}, filepath.Ext(name)) {
			continue
		}
		file := filepath.Join(dir, name)
		d, err := loadFile(file)
		if err != nil {
			return nil, err
		}
		if prev, dup := files[d.Name]; dup {
			return nil, &DefinitionError{File: file, Field: "name", Reason: fmt.Sprintf("agent %q is already defined in %s", d.Name, prev)}
		}
		files[d.Name] = file
		set[d.Name] = d
	}
	if err := set.checkRefs(files); err != nil {
		return nil, err
	}
	return set, nil
}

func loadFile(file string) (*Definition, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load agent: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, manifests.MaxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("load agent %s: %w", file, err)
	}
	return Parse(file, data)
}

// checkRefs refuses handoffs, agents-as-tools and workflow agent steps
// naming unknown agents, or naming workflows: a workflow is run, never
// conversed with.
func (s Set) checkRefs(files map[string]string) error {
	for _, n := range s.Names() {
		d := s[n]
		if d.Workflow != nil {
			if err := s.checkSteps(files[n], "steps", d.Workflow.Steps); err != nil {
				var de *DefinitionError
				if errors.As(err, &de) {
					de.Kind = KindWorkflow
				}
				return err
			}
			continue
		}
		for i, r := range append(slices.Clone(d.Handoffs), d.AgentsAsTools...) {
			field := fmt.Sprintf("handoffs[%d]", i)
			if i >= len(d.Handoffs) {
				field = fmt.Sprintf("agents_as_tools[%d]", i-len(d.Handoffs))
			}
			if err := s.checkAgentRef(files[n], field, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s Set) checkAgentRef(file, field, name string) error {
	switch {
	case s[name] == nil:
		return &DefinitionError{File: file, Field: field, Reason: fmt.Sprintf("no agent %q is defined", name)}
	case s[name].Workflow != nil:
		return &DefinitionError{File: file, Field: field, Reason: fmt.Sprintf("%q is a workflow, not an agent", name)}
	}
	return nil
}

func (s Set) checkSteps(file, field string, steps []WorkflowStep) error {
	for i, st := range steps {
		f := fmt.Sprintf("%s[%d]", field, i)
		var err error
		switch {
		case st.Agent != "":
			err = s.checkAgentRef(file, f+".agent", st.Agent)
		case st.Parallel != nil:
			err = s.checkSteps(file, f+".parallel", st.Parallel)
		case st.Condition != nil:
			if err = s.checkSteps(file, f+".then", st.Then); err == nil {
				err = s.checkSteps(file, f+".else", st.Else)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Names returns the agents' names, sorted.
func (s Set) Names() []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
