package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func TestSemanticImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE releases (id INTEGER PRIMARY KEY, version TEXT)`,
		`CREATE TABLE tickets (id INTEGER PRIMARY KEY, status TEXT, release_id INTEGER REFERENCES releases(id))`,
	} {
		if _, err := conn.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"semantic", "import", "--sqlite", db, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "new dataset tickets") {
		t.Fatalf("stdout %q", stdout.String())
	}
	if code := run(context.Background(), []string{"semantic", "import", "--postgres", "postgres://x", "--sqlite", db, "--out", out}, &stdout, &stderr); code != 2 {
		t.Fatalf("both sources: exit %d", code)
	}
	if code := run(context.Background(), []string{"semantic", "import", "--out", out}, &stdout, &stderr); code != 2 {
		t.Fatalf("missing --sqlite: exit %d", code)
	}

	// context --json on the imported layer: one object, fields ranked.
	stdout.Reset()
	if code := run(context.Background(), []string{"semantic", "context", "status of tickets by release version", "--dir", out, "--budget", "500", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("context: exit %d: %s", code, stderr.String())
	}
	var c struct {
		Fields []struct {
			Dataset, Field string
			Score          float64
		} `json:"fields"`
		Prompt string `json:"prompt"`
		Tokens int    `json:"tokens"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		t.Fatalf("context --json: %v\n%s", err, stdout.String())
	}
	if len(c.Fields) < 2 || c.Fields[0].Dataset == "" || c.Fields[0].Field == "" || c.Tokens > 500 || c.Prompt == "" {
		t.Fatalf("context %+v", c)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"semantic", "context", "--dir", out, "release version"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Table releases") {
		t.Fatalf("context prompt: exit %d: %s", code, stdout.String())
	}
	if code := run(context.Background(), []string{"semantic", "context", "--dir", filepath.Join(out, "missing"), "q"}, &stdout, &stderr); code != 1 {
		t.Fatalf("missing dir: exit %d", code)
	}
}

func TestSemanticSQL(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"semantic", "sql", "SELECT name FROM sl_fields WHERE dataset = 'releases' ORDER BY position", "--dir", "../../semantic/models"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res struct {
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res.Rows) != 6 || res.Rows[1][0] != "version" {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"semantic", "sql", "DROP TABLE sl_fields", "--dir", "../../semantic/models"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "query denied") {
		t.Fatalf("drop: exit %d %s", code, stderr.String())
	}
}
