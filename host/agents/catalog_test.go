package agents_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/store"
)

func doc(name, extra string) []byte {
	return []byte("name: " + name + "\nmodel: {name: m}\ninstructions: help\n" + extra)
}

// openDefs opens a bbolt file in dir and its definition store.
func openDefs(t *testing.T, dir string) (*store.DB, agents.DefinitionStore) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db, db.AgentDefinitions()
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	files, err := agents.LoadDir(filepath.Join(plugintest.Repo(), "manifests", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db, defs := openDefs(t, dir)
	// Left there before: one shadowed by a file, one broken, one dangling.
	for name, d := range map[string][]byte{"triage": doc("triage", ""), "broken": []byte("name: [\n"), "dangling": doc("dangling", "handoffs: [ghost]\n")} {
		if err := defs.Put(ctx, name, d); err != nil {
			t.Fatal(err)
		}
	}
	c, err := agents.NewCatalog(ctx, files, defs, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Set().Names(), ","); got != "analyst,ticket_report,triage" || c.Set()["triage"] != files["triage"] {
		t.Fatalf("at load: %s", got)
	}
	runner := &agents.Runner{Catalog: c}

	t.Run("put is validated, hot and durable", func(t *testing.T) {
		e, created, err := c.Put(ctx, "helper", doc("helper", "handoffs: [analyst]\n"))
		if err != nil || !created || e.Source != agents.SourceStored {
			t.Fatalf("put = %+v %v %v", e, created, err)
		}
		if runner.Definitions()["helper"] == nil {
			t.Fatal("a new run does not see the new agent")
		}
		if _, created, err := c.Put(ctx, "helper", doc("helper", "description: v2\n")); err != nil || created {
			t.Fatalf("replace: %v %v", created, err)
		}
		if runner.Definitions()["helper"].Description != "v2" {
			t.Fatal("a new run does not see the change")
		}
	})
	for _, tc := range []struct {
		name, agent string
		doc         []byte
		want        error
		field       string
	}{
		{"schema", "bad", []byte("name: bad\nmodel: {name: m}\ninstructions: x\napproval: sometimes\n"), agents.ErrInvalid, "approval"},
		{"name differs from the path", "other", doc("helper", ""), agents.ErrInvalid, "name"},
		{"unknown handoff", "lost", doc("lost", "handoffs: [ghost]\n"), agents.ErrInvalid, "handoffs"},
		{"a file's agent", "triage", doc("triage", ""), agents.ErrFileDefined, ""},
	} {
		t.Run("put refuses "+tc.name, func(t *testing.T) {
			_, _, err := c.Put(ctx, tc.agent, tc.doc)
			var de *agents.DefinitionError
			if !errors.Is(err, tc.want) || (tc.field != "" && (!errors.As(err, &de) || de.Field != tc.field)) {
				t.Fatalf("Put(%s) = %v, want %v on field %q", tc.agent, err, tc.want, tc.field)
			}
			if c.Set()[tc.agent] != nil && tc.want != agents.ErrFileDefined {
				t.Fatal("a refused definition was published")
			}
		})
	}
	t.Run("delete", func(t *testing.T) {
		if _, _, err := c.Put(ctx, "boss", doc("boss", "agents_as_tools: [helper]\n")); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx, "helper"); !errors.Is(err, agents.ErrInUse) {
			t.Fatalf("delete a referenced agent = %v", err)
		}
		if err := c.Delete(ctx, "analyst"); !errors.Is(err, agents.ErrFileDefined) {
			t.Fatalf("delete a file's agent = %v", err)
		}
		if err := c.Delete(ctx, "ghost"); !errors.Is(err, agents.ErrDefinitionNotFound) {
			t.Fatalf("delete nothing = %v", err)
		}
		if err := c.Delete(ctx, "boss"); err != nil {
			t.Fatal(err)
		}
		if runner.Definitions()["boss"] != nil {
			t.Fatal("a deleted agent is still offered to new runs")
		}
	})
	t.Run("a restart loads the stored ones", func(t *testing.T) {
		db.Close()
		db2, defs2 := openDefs(t, dir)
		defer db2.Close()
		c2, err := agents.NewCatalog(ctx, files, defs2, nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c2.Get("helper")
		if err != nil || e.Definition.Description != "v2" || !strings.Contains(string(e.Doc), "v2") {
			t.Fatalf("helper after restart: %+v %v", e, err)
		}
		if got := strings.Join(c2.Set().Names(), ","); got != "analyst,helper,ticket_report,triage" {
			t.Fatalf("after restart: %s", got)
		}
	})
}
