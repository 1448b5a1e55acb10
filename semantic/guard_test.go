package semantic

import (
	"github.com/secure-agent/saa/internal/pgtest"

	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/semantic/demo"
)

// demoDB builds the demo warehouse once per test binary.
var demoDB = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "semantic-demo-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "demo.sqlite")
	return path, demo.Build(context.Background(), path, 1)
})

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	if path, err := demoDB(); err == nil {
		os.RemoveAll(filepath.Dir(path))
	}
	os.Exit(code)
}

func demoLayer(t testing.TB) *Layer {
	t.Helper()
	l, err := Load("models")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func openDemoGuard(t testing.TB, lim Limits) *Guard {
	t.Helper()
	path, err := demoDB()
	if err != nil {
		t.Fatal(err)
	}
	g, err := OpenGuard(path, lim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func TestGuardRefusesHostileSQL(t *testing.T) {
	l := demoLayer(t)
	g := openDemoGuard(t, Limits{Timeout: 2 * time.Second})
	reader := l.Policy(WithScopes(nil))
	ctx := context.Background()
	cases := []struct {
		name, sql string
		want      error
	}{
		{"insert", "INSERT INTO releases (id, version, product, kind, shipped_at, changes) VALUES (999, 'x', 'api', 'patch', '2026-01-01', 1)", ErrDenied},
		{"update", "UPDATE tickets SET status = 'closed'", ErrDenied},
		{"delete", "DELETE FROM tickets", ErrDenied},
		{"drop", "DROP TABLE tickets", ErrDenied},
		{"create temp table", "CREATE TEMP TABLE x AS SELECT id FROM tickets", ErrDenied},
		{"create temp view", "CREATE TEMP VIEW v AS SELECT id FROM tickets", ErrDenied},
		{"stacked statements", "SELECT id FROM tickets; DELETE FROM tickets", ErrStacked},
		{"stacked after comment", "SELECT id FROM tickets /* ; */; DROP TABLE releases", ErrStacked},
		{"attach", "ATTACH DATABASE '/tmp/x.db' AS x", ErrDenied},
		{"pragma", "PRAGMA writable_schema = 1", ErrDenied},
		{"pragma table function", "SELECT name FROM pragma_table_info('tickets')", ErrDenied},
		{"sqlite_master", "SELECT sql FROM sqlite_master", ErrDenied},
		{"sqlite_schema", "SELECT name FROM sqlite_schema", ErrDenied},
		{"pii column without scope", "SELECT customer_email FROM tickets", ErrDenied},
		{"pii column in where", "SELECT id FROM tickets WHERE customer_email LIKE 'a%'", ErrDenied},
		{"pii column via star", "SELECT * FROM tickets", ErrDenied},
		{"secret column", "SELECT api_token FROM integrations", ErrDenied},
		{"pii column in a subquery", "SELECT id FROM releases WHERE EXISTS (SELECT 1 FROM tickets WHERE customer_email = 'x')", ErrDenied},
		{"rowid outside the layer", "SELECT rowid FROM chat_activity", ErrDenied},
		{"load_extension", "SELECT load_extension('/tmp/evil.so')", ErrDenied},
		{"randomblob", "SELECT randomblob(1000000000)", ErrDenied},
		{"transaction", "BEGIN", ErrDenied},
		{"vacuum into", "VACUUM INTO '/tmp/copy.db'", ErrDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := g.Query(ctx, reader, c.sql)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v (rows %v), want %v", err, res, c.want)
			}
		})
	}
	t.Run("file functions do not exist or are refused", func(t *testing.T) {
		for _, q := range []string{"SELECT readfile('/etc/passwd')", "SELECT writefile('/tmp/x', 'y')", "SELECT edit('x')", "SELECT fts3_tokenizer('simple')"} {
			if _, err := g.Query(ctx, reader, q); err == nil {
				t.Fatalf("%s ran", q)
			}
		}
	})
	t.Run("a string past the byte limit", func(t *testing.T) {
		small := openDemoGuard(t, Limits{MaxBytes: 1 << 16})
		if _, err := small.Query(ctx, reader, "SELECT printf('%.*c', 10000000, 'x')"); err == nil || !strings.Contains(err.Error(), "too big") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the database file is unchanged", func(t *testing.T) {
		res, err := g.Query(ctx, reader, "SELECT COUNT(*) FROM tickets")
		if err != nil || res.Rows[0][0] != int64(1500) {
			t.Fatalf("tickets after the attacks: %v %v", res, err)
		}
	})
}

func TestGuardAllowsScopedReadsAndRecordsThem(t *testing.T) {
	l := demoLayer(t)
	g := openDemoGuard(t, Limits{})
	ctx := context.Background()
	q := "SELECT t.status, r.version FROM tickets t JOIN releases r ON r.id = t.release_id WHERE t.priority = ? LIMIT 5"
	res, err := g.Query(ctx, l.Policy(WithScopes(nil)), q, "urgent")
	if err != nil {
		t.Fatal(err)
	}
	want := []Read{{"releases", "id"}, {"releases", "version"}, {"tickets", "priority"}, {"tickets", "release_id"}, {"tickets", "status"}}
	if !slices.Equal(res.ReadSet, want) || len(res.Rows) == 0 || !slices.Equal(res.Columns, []string{"status", "version"}) {
		t.Fatalf("read-set %v, rows %d, columns %v", res.ReadSet, len(res.Rows), res.Columns)
	}
	// The pii scope unlocks the email, not the secret token.
	pii := l.Policy(WithScopes([]string{ScopePII}))
	if res, err := g.Query(ctx, pii, "SELECT customer_email FROM tickets LIMIT 1"); err != nil || !strings.HasSuffix(res.Rows[0][0].(string), "@example.com") {
		t.Fatalf("pii with scope: %v %v", res, err)
	}
	if _, err := g.Query(ctx, pii, "SELECT api_token FROM integrations"); !errors.Is(err, ErrDenied) {
		t.Fatalf("secret with the pii scope: %v", err)
	}
	// A dataset not in the layer is refused, even for everyone else's tables.
	partial, err := NewLayer(slices.DeleteFunc(slices.Clone(l.Datasets), func(d *Dataset) bool { return d.Name == "chat_activity" }))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT channel FROM chat_activity", "SELECT COUNT(*) FROM chat_activity", "SELECT COUNT(*) FROM main.chat_activity"} {
		if _, err := g.Query(ctx, partial.Policy(Everything()), q); !errors.Is(err, ErrDenied) {
			t.Fatalf("%s: table outside the layer: %v", q, err)
		}
	}
	// A CTE is not a table: counting it reads only what it read.
	res, err = g.Query(ctx, partial.Policy(Everything()), "WITH c AS (SELECT id FROM releases) SELECT COUNT(*) FROM c")
	if err != nil || !slices.Equal(res.ReadSet, []Read{{"releases", "id"}}) {
		t.Fatalf("count over a CTE: %v %v", res, err)
	}
	// Strings that look like statement ends are one statement.
	if _, err := g.Query(ctx, l.Policy(WithScopes(nil)), "SELECT 'a;b' AS x, \"status\" FROM tickets WHERE status <> ';' LIMIT 1; -- done"); err != nil {
		t.Fatalf("one statement with semicolons in strings: %v", err)
	}
}

func TestGuardBoundsRowsAndTime(t *testing.T) {
	l := demoLayer(t)
	ctx := context.Background()
	p := l.Policy(WithScopes(nil))
	g := openDemoGuard(t, Limits{MaxRows: 100, Timeout: 300 * time.Millisecond})
	res, err := g.Query(ctx, p, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 1000000) SELECT x FROM n")
	if err != nil || len(res.Rows) != 100 || !res.Truncated {
		t.Fatalf("huge result: %d rows, truncated %v, %v", len(res.Rows), res != nil && res.Truncated, err)
	}
	start := time.Now()
	_, err = g.Query(ctx, p, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("endless query: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Fatalf("the endless query was not interrupted (%v)", elapsed)
	}
	byBytes := openDemoGuard(t, Limits{MaxBytes: 4096})
	res, err = byBytes.Query(ctx, p, "SELECT status, category, product, channel FROM tickets")
	if err != nil || !res.Truncated || len(res.Rows) == 0 || len(res.Rows) >= 1500 {
		t.Fatalf("byte limit: %d rows, %v", len(res.Rows), err)
	}
	// The pool's connections stay closed outside Query.
	if _, err := g.db.QueryContext(ctx, "SELECT id FROM releases"); err == nil {
		t.Fatal("a pooled connection ran a query outside Guard.Query")
	}
}

// TestDemoLayerMatchesItsWarehouse executes every verified query of
// semantic/models against the demo warehouse, prepares every field,
// metric and filter expression, and checks the layer describes exactly
// the warehouse's columns, so the examples cannot rot.
func TestDemoLayerMatchesItsWarehouse(t *testing.T) {
	l := demoLayer(t)
	g := openDemoGuard(t, Limits{})
	ctx := context.Background()
	p := l.Policy(Everything())
	n := 0
	for _, d := range l.Datasets {
		if d.Description == "" {
			t.Errorf("%s has no description", d.Name)
		}
		for _, q := range d.VerifiedQueries {
			n++
			res, err := g.Query(ctx, p, q.SQL)
			if err != nil || len(res.Rows) == 0 {
				t.Errorf("%s.%s: %v (%v rows)", d.Name, q.Name, err, res)
			}
		}
		for _, f := range d.Fields {
			expr := f.Expression
			if expr == "" {
				expr = quoteIdent(f.Name)
			}
			if _, err := g.Query(ctx, p, fmt.Sprintf("SELECT %s FROM %s LIMIT 0", expr, quoteIdent(d.Table()))); err != nil {
				t.Errorf("field %s.%s: %v", d.Name, f.Name, err)
			}
		}
		for _, m := range d.Metrics {
			if _, err := g.Query(ctx, p, fmt.Sprintf("SELECT %s FROM %s", m.Expression, quoteIdent(d.Table()))); err != nil {
				t.Errorf("metric %s.%s: %v", d.Name, m.Name, err)
			}
		}
		for _, f := range d.Filters {
			if _, err := g.Query(ctx, p, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", quoteIdent(d.Table()), f.Expression)); err != nil {
				t.Errorf("filter %s.%s: %v", d.Name, f.Name, err)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d verified queries", n)
	}
	path, _ := demoDB()
	fresh, err := ImportSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fresh {
		d := l.Dataset(f.Name)
		if d == nil {
			t.Errorf("table %s has no dataset", f.Name)
			continue
		}
		if _, drift := Merge(d, f); len(drift.Added)+len(drift.Dropped)+len(drift.Retyped) > 0 {
			t.Errorf("%s drifted from the warehouse: %+v", f.Name, drift)
		}
	}
}

// TestGuardKeepsConcurrentPrincipalsApart runs queries of a principal with
// the pii scope and one without at once: each connection's policy is its
// own query's.
func TestGuardKeepsConcurrentPrincipalsApart(t *testing.T) {
	l := demoLayer(t)
	g := openDemoGuard(t, Limits{})
	pii, none := l.Policy(WithScopes([]string{ScopePII})), l.Policy(WithScopes(nil))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			p, allowed := none, false
			if i%2 == 0 {
				p, allowed = pii, true
			}
			_, err := g.Query(context.Background(), p, "SELECT customer_email FROM tickets LIMIT 1")
			if allowed != (err == nil) {
				errs <- fmt.Errorf("query %d (pii %v): %v", i, allowed, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
