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

func TestExampleAgentsLoad(t *testing.T) {
	set, err := agents.LoadDir(filepath.Join(plugintest.Repo(), "manifests", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	tri, an := set["triage"], set["analyst"]
	if tri == nil || an == nil || tri.Handoffs[0] != "analyst" || tri.Model.Provider != "default" {
		t.Fatalf("agents = %v", set.Names())
	}
	if an.Approval != agents.ApproveWrites || len(an.Tools) != 2 || an.Limits.MaxTurns != 10 || an.Limits.Timeout.Minutes() != 10 {
		t.Fatalf("analyst = %+v", an)
	}
}

const minimal = "name: helper\nmodel: {name: m}\ninstructions: help\n"

func TestParseDefaults(t *testing.T) {
	d, err := agents.Parse("helper.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if d.Approval != agents.ApproveWrites || d.Model.Provider != "default" || d.Limits.MaxTurns != agents.DefaultMaxTurns ||
		d.Limits.MaxToolCalls != agents.DefaultMaxToolCalls || d.Limits.MaxTokens != agents.DefaultMaxTokens || d.Limits.Timeout != agents.DefaultTimeout {
		t.Fatalf("defaults = %+v", d)
	}
}

func TestParseRefusals(t *testing.T) {
	for _, c := range []struct{ name, doc, field, reason string }{
		{"empty", "", "", "empty document"},
		{"no name", "model: {name: m}\ninstructions: x\n", "name", "is required"},
		{"bad name", "name: Bad\nmodel: {name: m}\ninstructions: x\n", "name", "must match"},
		{"unknown field", minimal + "colour: red\n", "colour", "unknown field"},
		{"bad tool", minimal + "tools: [echo]\n", "tools[0]", "must match"},
		{"bad approval", minimal + "approval: sometimes\n", "approval", "must be one of"},
		{"duplicate tools", minimal + "tools: [echo.echo, echo.echo]\n", "tools", "duplicates"},
		{"self handoff", minimal + "handoffs: [helper]\n", "handoffs[0]", "itself"},
		{"bad timeout", minimal + "limits: {timeout: 1ms}\n", "limits.timeout", "1s to 24h"},
		{"zero turns", minimal + "limits: {max_turns: 0}\n", "limits.max_turns", "minimum"},
		{"duplicate key", minimal + "name: other\n", "", "already set"},
		{"two documents", minimal + "---\n" + minimal, "", "more than one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := agents.Parse("x.yaml", []byte(c.doc))
			var de *agents.DefinitionError
			if !errors.As(err, &de) || !errors.Is(err, agents.ErrInvalid) {
				t.Fatalf("err = %v, want a *DefinitionError", err)
			}
			if de.File != "x.yaml" || de.Field != c.field || !strings.Contains(de.Reason, c.reason) {
				t.Fatalf("err = %q (field %q), want field %q and %q", err, de.Field, c.field, c.reason)
			}
		})
	}
}

func TestLoadDirRefusesDanglingAndDuplicateAgents(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"dangling handoff": {"a.yaml": minimal + "handoffs: [ghost]\n"},
		"duplicate name":   {"a.yaml": minimal, "b.yaml": minimal},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, doc := range files {
				os.WriteFile(filepath.Join(dir, f), []byte(doc), 0o644)
			}
			_, err := agents.LoadDir(dir)
			if !errors.Is(err, agents.ErrInvalid) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err = %v, want ErrInvalid naming the file", err)
			}
		})
	}
}

// FuzzParse: any document is either a valid definition or a
// *DefinitionError; nothing panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "tools: [echo.echo]\nhandoffs: [x1]\nlimits: {timeout: 5m}\n"))
	f.Add([]byte(`{"name":"ab","model":{"name":"m"},"instructions":"x","approval":"all"}`))
	f.Add([]byte("name: &a ab\nmodel: *a\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := agents.Parse("f.yaml", doc)
		var de *agents.DefinitionError
		switch {
		case err == nil && (d == nil || d.Limits.Timeout <= 0 || d.Approval == ""):
			t.Fatalf("accepted without defaults: %+v", d)
		case err != nil && !errors.As(err, &de):
			t.Fatalf("err = %v, not a *DefinitionError", err)
		}
	})
}
