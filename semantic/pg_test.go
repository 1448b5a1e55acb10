package semantic

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/internal/pgtest"
)

// pgExec runs statements as the cluster's superuser.
func pgExec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// pgFixture is the SQLite import fixture in a fresh PostgreSQL database,
// plus a table the layer will not describe; it returns the database name
// and a superuser connection.
func pgFixture(t testing.TB) (*pgtest.Cluster, string, *sql.DB) {
	c := pgtest.Get(t)
	name, db := c.NewDatabase(t)
	stmts := []string{
		`CREATE TABLE releases (id integer PRIMARY KEY, version text NOT NULL, shipped_at date)`,
		`CREATE TABLE tickets (id integer PRIMARY KEY, status text, priority integer, customer_email text, api_token text,
			release_id integer REFERENCES releases(id))`,
		`CREATE TABLE salaries (person text, amount integer)`,
		`INSERT INTO releases SELECT i, '1.' || i || '.0', date '2026-01-01' + i FROM generate_series(1, 3) i`,
		`INSERT INTO tickets SELECT i, (ARRAY['open', 'closed', 'pending'])[i % 3 + 1], i % 4, 'user' || i || '@example.com',
			'tok' || i, i % 3 + 1 FROM generate_series(1, 40) i`,
		`INSERT INTO salaries VALUES ('ceo', 1000000)`,
		`ANALYZE`,
	}
	pgExec(t, db, stmts...)
	return c, name, db
}

func TestImportPostgres(t *testing.T) {
	c, name, _ := pgFixture(t)
	ds, err := ImportPostgres(context.Background(), c.DSN(name, pgtest.Superuser, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, d := range ds {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"releases", "salaries", "tickets"}) {
		t.Fatalf("datasets %v", names)
	}
	tk := ds[2]
	if tk.RowCount != 40 || !slices.Equal(tk.PrimaryKey, []string{"id"}) || !tk.Field("id").Unique {
		t.Fatalf("tickets: rows %d pk %v", tk.RowCount, tk.PrimaryKey)
	}
	if st := tk.Field("status"); !st.IsEnum || len(st.SampleValues) != 3 || st.DataType != "TEXT" {
		t.Fatalf("status: %+v", st)
	}
	if tk.Field("priority").IsEnum || tk.Field("priority").DataType != "INTEGER" {
		t.Fatalf("priority: %+v", tk.Field("priority"))
	}
	email, token := tk.Field("customer_email"), tk.Field("api_token")
	if email.Level() != PII || token.Level() != Secret || len(email.SampleValues)+len(token.SampleValues) != 0 {
		t.Fatalf("sensitive columns: %+v %+v", email, token)
	}
	if len(tk.Relationships) != 1 || tk.Relationships[0].ToDataset != "releases" || tk.Relationships[0].FromColumns[0] != "release_id" {
		t.Fatalf("relationships %+v", tk.Relationships)
	}
	if v := ds[0].Field("version"); v.Nullable == nil || *v.Nullable || ds[0].Field("shipped_at").Dimension == nil {
		t.Fatalf("releases: %+v", ds[0].Fields)
	}
	if _, err := ImportPostgres(context.Background(), c.DSN("no_such_db", pgtest.Superuser, ""), ""); err == nil {
		t.Fatal("a missing database imported")
	}
	if _, err := ImportPostgres(context.Background(), "postgres://%zz", ""); err == nil {
		t.Fatal("a bad DSN imported")
	}
}

func TestReimportPostgresReportsDrift(t *testing.T) {
	ctx := context.Background()
	c, name, db := pgFixture(t)
	dsn := c.DSN(name, pgtest.Superuser, "")
	dir := t.TempDir()
	ds, err := ImportPostgres(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImportInto(dir, ds); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tickets.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(data), "name: tickets\n", "name: tickets\ndescription: Customer support tickets.\n", 1)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	pgExec(t, db, `ALTER TABLE tickets ADD COLUMN channel text`, `ALTER TABLE tickets DROP COLUMN api_token`,
		`ALTER TABLE tickets ALTER COLUMN priority TYPE text`)
	if ds, err = ImportPostgres(ctx, dsn, ""); err != nil {
		t.Fatal(err)
	}
	rep, err := ImportInto(dir, ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 1 || !slices.Equal(rep.Drift[0].Added, []string{"channel"}) ||
		!slices.Equal(rep.Drift[0].Dropped, []string{"api_token"}) || !slices.Equal(rep.Drift[0].Retyped, []string{"priority: INTEGER -> TEXT"}) {
		t.Fatalf("drift %+v", rep.Drift)
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Dataset("tickets").Description != "Customer support tickets." {
		t.Fatal("human text lost")
	}
}

// pgReader makes the read-only role the README describes and returns a
// guard connected as it, over a layer imported from the fixture less the
// salaries table.
func pgReader(t testing.TB, lim Limits) (*PGGuard, *Layer, *sql.DB) {
	c, name, db := pgFixture(t)
	role := "reader_" + name
	pgExec(t, db,
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD 'pw-%s'`, role, name),
		`REVOKE ALL ON SCHEMA public FROM PUBLIC`,
		fmt.Sprintf(`GRANT CONNECT ON DATABASE %s TO %s`, name, role),
		fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %s`, role),
		fmt.Sprintf(`GRANT SELECT ON releases TO %s`, role),
		fmt.Sprintf(`GRANT SELECT (id, status, priority, release_id) ON tickets TO %s`, role),
		fmt.Sprintf(`GRANT SELECT ON salaries TO %s`, role),
	)
	t.Cleanup(func() {
		_, _ = db.Exec(fmt.Sprintf("DROP OWNED BY %s", role))
		_, _ = c.Admin().Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
		_, _ = c.Admin().Exec(fmt.Sprintf("DROP ROLE IF EXISTS %s", role))
	})
	ds, err := ImportPostgres(context.Background(), c.DSN(name, pgtest.Superuser, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	ds = slices.DeleteFunc(ds, func(d *Dataset) bool { return d.Name == "salaries" })
	l, err := NewLayer(ds)
	if err != nil {
		t.Fatal(err)
	}
	dsn := c.DSN(name, role, "")
	g, err := OpenPostgresGuard(dsn, l, PGOptions{Limits: lim, Password: func(context.Context) (string, error) { return "pw-" + name, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g, l, db
}

func TestPGGuardAnswersAndRecordsReads(t *testing.T) {
	g, l, _ := pgReader(t, Limits{})
	res, err := g.Query(context.Background(), l.Policy(Everything()),
		`SELECT t.status, count(*) FROM tickets t JOIN releases r ON r.id = t.release_id WHERE r.version = $1 GROUP BY t.status ORDER BY 1`, "1.2.0")
	if err != nil {
		t.Fatal(err)
	}
	// Tickets of release 2 are the closed ones (i % 3 == 1), 14 of them.
	if len(res.Rows) != 1 || res.Rows[0][0] != "closed" || res.Rows[0][1] != int64(14) || !slices.Equal(res.Columns, []string{"status", "count"}) {
		t.Fatalf("result %+v", res)
	}
	want := []Read{{"releases", "id"}, {"releases", "version"}, {"tickets", "release_id"}, {"tickets", "status"}}
	if !slices.Equal(res.ReadSet, want) {
		t.Fatalf("read-set %v, want %v", res.ReadSet, want)
	}
	// Plugins' arguments arrive as JSON: numbers are float64.
	res, err = g.Query(context.Background(), l.Policy(Everything()), `SELECT count(*) FROM tickets WHERE priority > $1`, float64(2))
	if err != nil || res.Rows[0][0] != int64(10) {
		t.Fatalf("a JSON number argument: %+v %v", res, err)
	}
	res, err = g.Query(context.Background(), l.Policy(Everything()), `SELECT count(*) FROM tickets`)
	if err != nil || !slices.Equal(res.ReadSet, []Read{{"tickets", ""}}) || res.Rows[0][0] != int64(40) {
		t.Fatalf("count: %+v %v", res, err)
	}
}

func TestPGGuardHostile(t *testing.T) {
	g, l, _ := pgReader(t, Limits{Timeout: 300 * time.Millisecond, MaxRows: 10, MaxBytes: 4096})
	p := l.Policy(Everything())
	cases := []struct {
		name, sql string
		want      error
	}{
		{"insert", `INSERT INTO tickets (id) VALUES (1000)`, ErrDenied},
		{"update in CTE", `WITH x AS (UPDATE tickets SET status = 'x' RETURNING id) SELECT * FROM x`, ErrDenied},
		{"delete", `DELETE FROM tickets`, ErrDenied},
		{"ddl", `CREATE TABLE evil (x int)`, ErrDenied},
		{"create table as", `SELECT 1 INTO evil`, ErrDenied},
		{"drop", `DROP TABLE tickets`, ErrDenied},
		{"stacked", `SELECT 1; DROP TABLE tickets`, ErrStacked},
		{"stacked after comment", `SELECT 1 /* ; */ ; SELECT 2`, ErrStacked},
		{"read a server file", `SELECT pg_read_file('/etc/passwd')`, ErrDenied},
		{"read a file as bytes", `SELECT pg_read_binary_file('/etc/passwd')`, ErrDenied},
		{"list a directory", `SELECT * FROM pg_ls_dir('.')`, ErrDenied},
		{"copy to program", `COPY tickets TO PROGRAM 'id'`, ErrDenied},
		{"copy in a CTE", `WITH x AS (SELECT 1) COPY tickets TO PROGRAM 'id'`, nil},
		{"dblink", `SELECT * FROM dblink('host=127.0.0.1', 'SELECT 1') AS t(x int)`, nil},
		{"large object import", `SELECT lo_import('/etc/passwd')`, ErrDenied},
		{"set role", `SET ROLE saa_test`, ErrDenied},
		{"set_config role", `SELECT set_config('role', 'saa_test', true)`, nil},
		{"read-write again", `SELECT set_config('transaction_read_only', 'off', true)`, nil},
		{"timeout off then sleep", `SELECT set_config('statement_timeout', '0', true), pg_sleep(3)`, ErrTimeout},
		{"sleep past the timeout", `SELECT pg_sleep(3)`, ErrTimeout},
		{"a table outside the layer", `SELECT * FROM salaries`, ErrDenied},
		{"outside, in a subquery", `SELECT id FROM tickets WHERE priority < (SELECT max(amount) FROM salaries)`, ErrDenied},
		{"hidden column", `SELECT api_token FROM tickets`, ErrDenied},
		{"hidden column in a filter", `SELECT id FROM tickets WHERE customer_email LIKE 'a%'`, ErrDenied},
		{"whole row", `SELECT t FROM tickets t`, ErrDenied},
		{"catalog", `SELECT rolname FROM pg_roles`, ErrDenied},
		{"catalog via schema", `SELECT * FROM pg_catalog.pg_class`, ErrDenied},
		{"stacked inside dollar quotes", `SELECT $a$ ' $a$; DROP TABLE tickets; SELECT ' '`, ErrStacked},
		{"for update", `SELECT id FROM tickets FOR UPDATE`, ErrDenied},
		{"too long", "SELECT 1 " + strings.Repeat(" ", DefaultLimits.MaxSQL), ErrDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			res, err := g.Query(context.Background(), p, c.sql)
			if err == nil {
				t.Fatalf("%s ran: %+v", c.sql, res)
			}
			t.Logf("%s -> %v", c.sql, err)
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("%s: %v, want %v", c.sql, err, c.want)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s took %v", c.sql, time.Since(start))
			}
		})
	}
	// Nothing was written, and the guard still answers.
	res, err := g.Query(context.Background(), p, `SELECT count(*) FROM tickets WHERE status = 'x'`)
	if err != nil || res.Rows[0][0] != int64(0) {
		t.Fatalf("after the attacks: %+v %v", res, err)
	}
}

func TestPGGuardLimits(t *testing.T) {
	g, l, _ := pgReader(t, Limits{MaxRows: 10, MaxBytes: 4096})
	p := l.Policy(Everything())
	res, err := g.Query(context.Background(), p, `SELECT i FROM generate_series(1, 1000000) i`)
	if err != nil || len(res.Rows) != 10 || !res.Truncated {
		t.Fatalf("rows: %d %v %v", len(res.Rows), res.Truncated, err)
	}
	// 40^5 rows, streamed: the guard stops the server at the limit rather
	// than reading them all.
	start := time.Now()
	res, err = g.Query(context.Background(), p, `SELECT a.id FROM tickets a, tickets b, tickets c, tickets d, tickets e`)
	if err != nil || len(res.Rows) != 10 || !res.Truncated || time.Since(start) > 2*time.Second {
		t.Fatalf("a huge join: %d %v %v in %v", len(res.Rows), res.Truncated, err, time.Since(start))
	}
	if res, err = g.Query(context.Background(), p, `SELECT count(*) FROM releases`); err != nil || res.Rows[0][0] != int64(3) {
		t.Fatalf("after a cancelled query: %+v %v", res, err)
	}
	res, err = g.Query(context.Background(), p, `SELECT repeat('x', 1000) FROM generate_series(1, 100)`)
	if err != nil || len(res.Rows) > 5 || !res.Truncated {
		t.Fatalf("bytes: %d %v %v", len(res.Rows), res.Truncated, err)
	}
}

func TestPGGuardPerPrincipal(t *testing.T) {
	g, l, _ := pgReader(t, Limits{})
	// A policy that hides releases from this caller.
	p := PolicyFunc(func(table, column string) bool {
		return table == "tickets" && l.Policy(Everything()).AllowRead(table, column)
	})
	if _, err := g.Query(context.Background(), p, `SELECT version FROM releases`); !errors.Is(err, ErrDenied) {
		t.Fatalf("hidden dataset: %v", err)
	}
	if _, err := g.Query(context.Background(), p, `SELECT status FROM tickets`); err != nil {
		t.Fatal(err)
	}
}

func TestPGGuardRefusesUnsafeRoles(t *testing.T) {
	ctx := context.Background()
	c, name, db := pgFixture(t)
	ds, err := ImportPostgres(ctx, c.DSN(name, pgtest.Superuser, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLayer(ds)
	if err != nil {
		t.Fatal(err)
	}
	try := func(role string) error {
		g, err := OpenPostgresGuard(c.DSN(name, role, ""), l, PGOptions{})
		if err != nil {
			return err
		}
		defer g.Close()
		_, err = g.Query(ctx, l.Policy(Everything()), `SELECT 1`)
		return err
	}
	if err := try(pgtest.Superuser); !errors.Is(err, ErrUnsafeRole) {
		t.Fatalf("superuser: %v", err)
	}
	writer, member, wide := "w_"+name, "m_"+name, "x_"+name
	pgExec(t, db,
		`REVOKE ALL ON SCHEMA public FROM PUBLIC`,
		fmt.Sprintf(`CREATE ROLE %s LOGIN`, writer), fmt.Sprintf(`CREATE ROLE %s LOGIN`, member), fmt.Sprintf(`CREATE ROLE %s LOGIN`, wide),
		fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %s, %s, %s`, writer, member, wide),
		fmt.Sprintf(`GRANT SELECT, UPDATE (status) ON tickets TO %s`, writer),
		fmt.Sprintf(`GRANT %s TO %s`, writer, member),
		fmt.Sprintf(`GRANT SELECT ON tickets TO %s`, wide),
	)
	t.Cleanup(func() {
		_, _ = c.Admin().Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
		for _, r := range []string{member, writer, wide} {
			_, _ = c.Admin().Exec("DROP ROLE IF EXISTS " + r)
		}
	})
	for _, r := range []string{writer, member, wide} {
		if err := try(r); !errors.Is(err, ErrUnsafeRole) {
			t.Fatalf("%s: %v", r, err)
		}
	}
	// A role that would pass, until it may call dblink or a SECURITY
	// DEFINER function.
	pgExec(t, db, fmt.Sprintf(`REVOKE SELECT ON tickets FROM %s`, wide), fmt.Sprintf(`GRANT SELECT (id, status) ON tickets TO %s`, wide))
	if err := try(wide); err != nil {
		t.Fatalf("a read-only role refused: %v", err)
	}
	pgExec(t, db, `CREATE EXTENSION dblink`)
	if err := try(wide); !errors.Is(err, ErrUnsafeRole) || !strings.Contains(err.Error(), "dblink") {
		t.Fatalf("dblink callable: %v", err)
	}
	pgExec(t, db, `DROP EXTENSION dblink`, `CREATE FUNCTION owner_rights() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'`)
	if err := try(wide); !errors.Is(err, ErrUnsafeRole) || !strings.Contains(err.Error(), "owner_rights") {
		t.Fatalf("security definer callable: %v", err)
	}
	pgExec(t, db, `REVOKE EXECUTE ON FUNCTION owner_rights() FROM PUBLIC`)
	if err := try(wide); err != nil {
		t.Fatalf("after the revoke: %v", err)
	}
	if _, err := OpenPostgresGuard("postgres://u:secret-pw@%zz", l, PGOptions{}); err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Fatalf("bad DSN: %v", err)
	}
}

// FuzzPlanWalk feeds arbitrary plans to the walk: it must never panic,
// and a plan it accepts names only relations of the schema.
func FuzzPlanWalk(f *testing.F) {
	f.Add(`{"Node Type": "Seq Scan", "Relation Name": "tickets", "Schema": "public", "Alias": "t", "Output": ["t.id", "t.\"we""ird\""]}`)
	f.Add(`{"Node Type": "Hash Join", "Hash Cond": "(t.id = r.id)", "Plans": [{"Relation Name": "x", "Schema": "pg_catalog"}]}`)
	f.Add(`{"Node Type": "Function Scan", "Function Name": "pg_ls_dir"}`)
	f.Fuzz(func(t *testing.T, plan string) {
		var n map[string]any
		if json.Unmarshal([]byte(plan), &n) != nil {
			return
		}
		w := &planWalk{policy: PolicyFunc(func(table, _ string) bool { return table == "tickets" }), schema: "public", aliases: map[string]string{}}
		if w.scans(n) != nil || w.columns(n, true) != nil {
			return
		}
		for _, r := range w.readSet() {
			if r.Table != "tickets" {
				t.Fatalf("accepted a read of %q", r.Table)
			}
		}
	})
}

// BenchmarkPGQuery measures the guard beside the same query on a plain
// connection as the same role: the read-only transaction, the SET LOCALs
// and the EXPLAIN cost round trips.
func BenchmarkPGQuery(b *testing.B) {
	g, l, _ := pgReader(b, Limits{})
	const q = `SELECT status, count(*) FROM tickets WHERE priority > $1 GROUP BY status`
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			rows, err := g.db.QueryContext(ctx, q, 1)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	})
	b.Run("guarded", func(b *testing.B) {
		p := l.Policy(Everything())
		for b.Loop() {
			if _, err := g.Query(ctx, p, q, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
