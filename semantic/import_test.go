package semantic

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// execAll runs statements on a writable SQLite file at path.
func execAll(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func importFixture(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "support.db")
	stmts := []string{
		`CREATE TABLE releases (id INTEGER PRIMARY KEY, version TEXT NOT NULL, shipped_at TEXT)`,
		`CREATE TABLE tickets (id INTEGER PRIMARY KEY, status TEXT, priority INTEGER, customer_email TEXT, api_token TEXT, release_id INTEGER REFERENCES releases(id))`,
	}
	for i := 1; i <= 3; i++ {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO releases VALUES (%d, '1.%d.0', '2026-0%d-01')`, i, i, i))
	}
	for i := 1; i <= 40; i++ {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO tickets VALUES (%d, '%s', %d, 'user%d@example.com', 'tok%d', %d)`, i, []string{"open", "closed", "pending"}[i%3], i%4, i, i, i%3+1))
	}
	execAll(t, path, stmts...)
	return path
}

func TestImportSQLite(t *testing.T) {
	ds, err := ImportSQLite(context.Background(), importFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[1].Name != "tickets" {
		t.Fatalf("datasets %v", ds)
	}
	tk := ds[1]
	if tk.RowCount != 40 || !slices.Equal(tk.PrimaryKey, []string{"id"}) {
		t.Fatalf("tickets: rows %d pk %v", tk.RowCount, tk.PrimaryKey)
	}
	st := tk.Field("status")
	if !st.IsEnum || len(st.SampleValues) != 3 {
		t.Fatalf("status: enum %v samples %v", st.IsEnum, st.SampleValues)
	}
	if tk.Field("id").IsEnum || tk.Field("priority").IsEnum {
		t.Fatal("numeric columns are not enums")
	}
	email, token := tk.Field("customer_email"), tk.Field("api_token")
	if email.Level() != PII || token.Level() != Secret || len(email.SampleValues)+len(token.SampleValues) != 0 {
		t.Fatalf("sensitive columns: %+v %+v", email, token)
	}
	if len(tk.Relationships) != 1 || tk.Relationships[0].ToDataset != "releases" || tk.Relationships[0].ToColumns[0] != "id" {
		t.Fatalf("relationships %+v", tk.Relationships)
	}
	if ds[0].Field("shipped_at").Dimension == nil {
		t.Fatal("shipped_at is a time dimension")
	}
	if _, err := ImportSQLite(context.Background(), filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Fatal("a missing file imported")
	}
}

func TestReimportKeepsHumanTextAndReportsDrift(t *testing.T) {
	ctx := context.Background()
	db := importFixture(t)
	dir := t.TempDir()
	ds, err := ImportSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ImportInto(dir, ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 2 || len(rep.Drift) != 2 || !rep.Drift[0].New {
		t.Fatalf("first import %+v", rep)
	}
	// A human documents the layer.
	path := filepath.Join(dir, "tickets.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(data), "name: tickets\n", "name: tickets\ndescription: Customer support tickets.\n", 1)
	doc = strings.Replace(doc, "- name: status\n", "- name: status\n  description: Where the ticket is in its life.\n  synonyms: [state]\n", 1)
	doc += "verified_queries:\n- name: open\n  question: How many open tickets?\n  sql: SELECT COUNT(*) FROM tickets WHERE status = 'open'\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	// The schema drifts: a column added, one dropped, one retyped.
	execAll(t, db,
		`ALTER TABLE tickets ADD COLUMN channel TEXT`,
		`ALTER TABLE tickets DROP COLUMN api_token`,
		`CREATE TABLE t2 (id INTEGER PRIMARY KEY, status TEXT, priority TEXT, customer_email TEXT, release_id INTEGER REFERENCES releases(id), channel TEXT)`,
		`INSERT INTO t2 SELECT id, status, CAST(priority AS TEXT), customer_email, release_id, channel FROM tickets`,
		`DROP TABLE tickets`, `ALTER TABLE t2 RENAME TO tickets`)
	if ds, err = ImportSQLite(ctx, db); err != nil {
		t.Fatal(err)
	}
	if rep, err = ImportInto(dir, ds); err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 1 {
		t.Fatalf("drift %+v", rep.Drift)
	}
	d := rep.Drift[0]
	if d.Dataset != "tickets" || !slices.Equal(d.Added, []string{"channel"}) || !slices.Equal(d.Dropped, []string{"api_token"}) ||
		!slices.Equal(d.Retyped, []string{"priority: INTEGER -> TEXT"}) {
		t.Fatalf("drift %+v", d)
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tk := l.Dataset("tickets")
	if tk.Description != "Customer support tickets." || tk.Field("status").Description == "" ||
		!slices.Equal(tk.Field("status").Synonyms, []string{"state"}) || len(tk.VerifiedQueries) != 1 {
		t.Fatalf("human text lost: %+v", tk)
	}
	if tk.Field("channel") == nil || tk.Field("api_token") != nil || tk.Field("priority").DataType != "TEXT" {
		t.Fatalf("facts not updated: %+v", tk.Fields)
	}
}
