package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRAGCommands(t *testing.T) {
	plugins := filepath.Join(t.TempDir(), "manifests")
	os.MkdirAll(plugins, 0o700)
	t.Setenv("SAA_PLUGINS_DIR", plugins)
	t.Setenv("SAA_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	var tickets []map[string]any
	for i := range 300 {
		tickets = append(tickets, map[string]any{"id": i, "title": fmt.Sprintf("Printer %d offline", i), "status": "open"})
	}
	tickets[123]["title"] = "Laptop battery swells after firmware 2.1"
	data, _ := json.Marshal(tickets)
	file := filepath.Join(t.TempDir(), "tickets.json")
	os.WriteFile(file, data, 0o600)

	sh := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := sh("rag", "ingest", file)
	var env struct{ Handle string }
	if code != 0 || json.Unmarshal([]byte(out), &env) != nil || env.Handle == "" {
		t.Fatalf("ingest: exit %d, %s %s", code, out, errOut)
	}
	code, out, errOut = sh("rag", "search", "--k", "2", env.Handle, "battery swelling firmware")
	if code != 0 || !strings.Contains(out, `"pointer": "/123"`) {
		t.Fatalf("search: exit %d, %s %s", code, out, errOut)
	}
	code, out, _ = sh("rag", "chunk", "--neighbours", "1", env.Handle, "123")
	if code != 0 || !strings.Contains(out, "Printer 122") || !strings.Contains(out, "Printer 124") {
		t.Fatalf("chunk: exit %d, %s", code, out)
	}
	for _, bad := range []struct {
		args []string
		code int
		has  string
	}{
		{[]string{"rag"}, 2, "usage"},
		{[]string{"rag", "search", env.Handle}, 2, "usage"},
		{[]string{"rag", "drop", env.Handle}, 2, "usage"},
		{[]string{"rag", "ingest", "/does/not/exist"}, 1, "no such file"},
		{[]string{"rag", "search", "rag_aaaaaaaaaaaaaaaaaaaaaaaaaa", "x"}, 1, "no such handle"},
		{[]string{"rag", "chunk", env.Handle, "x"}, 1, "not a number"},
	} {
		if code, _, errOut := sh(bad.args...); code != bad.code || !strings.Contains(errOut, bad.has) {
			t.Errorf("%v: exit %d, %s", bad.args, code, errOut)
		}
	}
	binary := filepath.Join(t.TempDir(), "blob")
	os.WriteFile(binary, []byte{0x7f, 'E', 'L', 'F', 0, 0, 1}, 0o600)
	if code, _, errOut := sh("rag", "ingest", binary); code != 1 || !strings.Contains(errOut, "binary") {
		t.Errorf("binary file: exit %d, %s", code, errOut)
	}
}
