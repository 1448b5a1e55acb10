package main

import (
	"bytes"
	"context"
	"database/sql"
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
	stderr.Reset()
	if code := run(context.Background(), []string{"semantic", "import", "--postgres", "postgres://x", "--out", out}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not supported yet") {
		t.Fatalf("postgres: exit %d %s", code, stderr.String())
	}
	if code := run(context.Background(), []string{"semantic", "import", "--out", out}, &stdout, &stderr); code != 2 {
		t.Fatalf("missing --sqlite: exit %d", code)
	}
}
