package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/semantic"
	"github.com/secure-agent/saa/semantic/demo"
)

// warehouseRuntime runs the warehouse plugin with "support" bound to the
// demo warehouse, or unbound.
func warehouseRuntime(t *testing.T, bind bool) *host.Runtime {
	t.Helper()
	layer, err := semantic.Load(filepath.Join(plugintest.Repo(), "semantic", "models"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "support.sqlite")
	if err := demo.Build(context.Background(), db, 1); err != nil {
		t.Fatal(err)
	}
	g, err := semantic.OpenGuard(db, semantic.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return newRuntimeWith(t, func(c *host.Config) {
		if bind {
			c.Warehouses = map[string]host.Warehouse{"support": &semantic.Warehouse{Layer: layer, Guard: g}}
		}
	}, plugintest.FirstParty("warehouse"))
}

func TestWarehousePluginQueriesThroughTheGuard(t *testing.T) {
	rt := warehouseRuntime(t, true)
	ctx := context.Background()
	analyst := caller("warehouse:query", "warehouse:read")

	out, err := rt.Invoke(ctx, analyst, "warehouse", "query",
		[]byte(`{"sql":"SELECT t.priority, COUNT(*) AS n FROM tickets t JOIN releases r ON r.id = t.release_id WHERE r.product = ? GROUP BY t.priority","args":["api"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var res semantic.Result
	if err := json.Unmarshal(out, &res); err != nil || len(res.Rows) == 0 || len(res.ReadSet) != 4 {
		t.Fatalf("result %s: %v", out, err)
	}

	refused := []struct{ name, input, want string }{
		{"pii without its scope", `{"sql":"SELECT customer_email FROM tickets LIMIT 1"}`, "query denied"},
		{"write", `{"sql":"DELETE FROM tickets"}`, "query denied"},
		{"stacked", `{"sql":"SELECT 1; DROP TABLE tickets"}`, "one statement per query"},
		{"another warehouse", `{"sql":"SELECT 1","warehouse":"finance"}`, `warehouse "finance" is not declared`},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, err := rt.Invoke(ctx, analyst, "warehouse", "query", []byte(c.input))
			if !errors.Is(err, host.ErrPluginFailed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := rt.Invoke(ctx, caller("warehouse:query", semantic.ScopePII), "warehouse", "query",
		[]byte(`{"sql":"SELECT customer_email FROM tickets LIMIT 1"}`)); err != nil {
		t.Fatalf("pii with its scope: %v", err)
	}

	out, err = rt.Invoke(ctx, analyst, "warehouse", "context", []byte(`{"question":"open tickets by priority","budget":600}`))
	if err != nil || !strings.Contains(string(out), `"field":"priority"`) {
		t.Fatalf("context: %s %v", out, err)
	}
	out, err = rt.Invoke(ctx, analyst, "warehouse", "describe", []byte(`{}`))
	if err != nil || !strings.Contains(string(out), `"name":"chat_activity"`) || strings.Contains(string(out), "customer_email") {
		t.Fatalf("describe: %.300s %v", out, err)
	}

	// The read-set of the first query is in its audit entry, hash-chained.
	var page audit.Page
	checkFor(t, func() error {
		page, err = rt.Audit().List(ctx, audit.Filter{Client: "agent-1"})
		if err == nil && len(page.Entries) < 8 {
			err = errors.New("entries not written yet")
		}
		return err
	})
	want := []string{"support:releases.id", "support:releases.product", "support:tickets.priority", "support:tickets.release_id"}
	if got := page.Entries[0].Reads; !slices.Equal(got, want) {
		t.Fatalf("audited reads %v, want %v", got, want)
	}
	if report, err := rt.Audit().Verify(ctx); err != nil || report.Err() != nil {
		t.Fatalf("verify: %v %v", err, report.Err())
	}
}

func TestUnboundWarehouseIsRefused(t *testing.T) {
	rt := warehouseRuntime(t, false)
	_, err := rt.Invoke(context.Background(), caller("warehouse:query"), "warehouse", "query", []byte(`{"sql":"SELECT 1"}`))
	if !errors.Is(err, host.ErrPluginFailed) || !strings.Contains(err.Error(), "not bound") {
		t.Fatalf("err = %v", err)
	}
}
