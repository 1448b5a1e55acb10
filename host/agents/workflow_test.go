package agents_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/plugintest"
)

func TestWorkflowExampleLoads(t *testing.T) {
	set, err := agents.LoadDir(filepath.Join(plugintest.Repo(), "manifests", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	w := set["ticket_report"]
	if w == nil || w.Kind != agents.KindWorkflow || w.Workflow == nil || len(w.Workflow.Steps) != 2 {
		t.Fatalf("ticket_report = %+v", w)
	}
	if strings.Join(w.Tools, ",") != "tickets.analyze,github.create_issue" || strings.Join(w.AgentsAsTools, ",") != "analyst" {
		t.Fatalf("actions %v, agents %v", w.Tools, w.AgentsAsTools)
	}
	if set["triage"].Kind != agents.KindAgent {
		t.Fatalf("triage kind = %q", set["triage"].Kind)
	}
}

func TestWorkflowDefinitionErrors(t *testing.T) {
	const head = "kind: workflow\nname: flow\n"
	for _, c := range []struct {
		name, doc, field, reason string
	}{
		{"no steps", head, "", "steps"},
		{"two kinds in a step", head + "steps: [{id: a, action: echo.echo, agent: analyst}]", "steps[0]", ""},
		{"no kind in a step", head + "steps: [{id: a}]", "steps[0]", ""},
		{"unknown field", head + "steps: [{id: a, action: echo.echo, with: 1}]", "steps[0]", "with"},
		{"bad kind", "kind: robot\nname: flow\n", "kind", "agent"},
		{"an id twice", head + "steps: [{id: a, action: echo.echo}, {id: a, action: echo.echo}]", "steps[1].id", "used twice"},
		{"a pointer to a later step", head + "steps: [{id: a, action: echo.echo, input: {message: {$from: /steps/b}}}, {id: b, action: echo.echo}]", "steps[0].input", "has not run"},
		{"a pointer to no step", head + "steps: [{id: a, action: echo.echo, input: {$from: /steps/zz}}]", "steps[0].input", "no earlier step"},
		{"a pointer outside the document", head + "steps: [{id: a, action: echo.echo, input: {$from: /secrets}}]", "steps[0].input", "/input or /steps"},
		{"a bad escape", head + "steps: [{id: a, action: echo.echo, input: {$from: /input/a~2}}]", "steps[0].input", "~0 or ~1"},
		{"no leading slash", head + "steps: [{id: a, action: echo.echo, input: {$from: input}}]", "steps[0].input", "must start with /"},
		{"$from with company", head + "steps: [{id: a, action: echo.echo, input: {$from: /input, x: 1}}]", "steps[0].input", "nothing else"},
		{"a sibling's output", head + "steps: [{id: p, parallel: [{id: a, action: echo.echo}, {id: b, action: echo.echo, input: {$from: /steps/a}}]}]", "steps[0].parallel[1].input", "has not run"},
		{"input on a parallel step", head + "steps: [{id: p, input: {}, parallel: [{id: a, action: echo.echo}]}]", "steps[0].input", "only action and agent"},
		{"then without a condition", head + "steps: [{id: a, action: echo.echo, then: [{id: b, action: echo.echo}]}]", "steps[0]", "condition"},
		{"two operators", head + "steps: [{id: c, condition: {pointer: /input, equals: 1, exists: true}}]", "steps[0].condition", ""},
		{"a condition on itself", head + "steps: [{id: c, condition: {pointer: /steps/c, exists: true}}]", "steps[0].condition.pointer", "has not run"},
		{"a condition's bad pointer", head + "steps: [{id: c, condition: {pointer: /steps/x, exists: true}}]", "steps[0].condition.pointer", "no earlier step"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := agents.Parse("flow.yaml", []byte(c.doc))
			var de *agents.DefinitionError
			if !errors.As(err, &de) || !errors.Is(err, agents.ErrInvalid) || de.File != "flow.yaml" {
				t.Fatalf("err = %v, want a DefinitionError of flow.yaml", err)
			}
			if !strings.Contains(de.Field, c.field) || !strings.Contains(de.Error(), c.reason) || (c.name != "bad kind" && !strings.HasPrefix(de.Error(), "workflow flow.yaml: ")) {
				t.Fatalf("err = %q (field %q), want field %q and %q", err, de.Field, c.field, c.reason)
			}
		})
	}
}

func TestWorkflowReferences(t *testing.T) {
	for name, c := range map[string]struct{ files map[string]string }{
		"an agent step naming no agent": {map[string]string{"flow.yaml": "kind: workflow\nname: flow\nsteps: [{id: a, agent: ghost, input: x}]\n"}},
		"an agent step naming a workflow": {map[string]string{
			"flow.yaml":  "kind: workflow\nname: flow\nsteps: [{id: a, agent: other, input: x}]\n",
			"other.yaml": "kind: workflow\nname: other\nsteps: [{id: a, action: echo.echo}]\n"}},
		"an agent handing off to a workflow": {map[string]string{
			"bot.yaml":   "name: bot\nmodel: {name: m}\ninstructions: x\nhandoffs: [other]\n",
			"other.yaml": "kind: workflow\nname: other\nsteps: [{id: a, action: echo.echo}]\n"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, doc := range c.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(doc), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := agents.LoadDir(dir)
			var de *agents.DefinitionError
			if !errors.As(err, &de) || de.Field == "" {
				t.Fatalf("err = %v, want a DefinitionError naming a field", err)
			}
		})
	}
}
