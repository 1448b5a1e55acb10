package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/store"
)

// TestCompactCommand: `saa compact` rewrites an idle database, refuses
// with advice while a server holds it, and refuses a missing one.
func TestCompactCommand(t *testing.T) {
	dir := auditDir(t, 3)
	compact := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"compact"}, args...), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := compact("--data-dir", dir); code != 0 || !strings.Contains(out, "compacted") {
		t.Fatalf("compact = %d %s", code, out)
	}
	db, err := store.Open(filepath.Join(dir, "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Audit().Verify(context.Background()); err != nil || !rep.OK {
		t.Errorf("audit chain after compaction: %+v, %v", rep, err)
	}
	if code, out := compact("--data-dir", dir); code != 1 || !strings.Contains(out, "stop `saa serve`") {
		t.Errorf("compact while held = %d %s", code, out)
	}
	db.Close()
	if code, _ := compact("--data-dir", t.TempDir()); code != 1 {
		t.Errorf("compact of a missing database = %d", code)
	}
}
