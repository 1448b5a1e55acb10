package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The default replica id is stable for one data dir, differs between two,
// and SAA_REPLICA_ID wins when it is safe to log; anything else is refused.
func TestReplicaID(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SAA_REPLICA_ID" {
				return v
			}
			return ""
		}
	}
	dir := t.TempDir()
	a, err := replicaID(env(""), dir)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := replicaID(env(""), dir+"/.")
	other, _ := replicaID(env(""), filepath.Join(dir, "other"))
	if a != again || a == other || !validReplicaID(a) {
		t.Fatalf("default ids: %q, again %q, other dir %q; want stable, distinct and valid", a, again, other)
	}
	if got, err := replicaID(env("eu-1.replica_2"), dir); err != nil || got != "eu-1.replica_2" {
		t.Fatalf("SAA_REPLICA_ID=eu-1.replica_2: %q, %v", got, err)
	}
	for _, bad := range []string{"a b", "a/b", "x\n", strings.Repeat("a", 65), "ré"} {
		if _, err := replicaID(env(bad), dir); err == nil || !strings.Contains(err.Error(), "SAA_REPLICA_ID") {
			t.Errorf("SAA_REPLICA_ID=%q: %v, want refused", bad, err)
		}
	}
}

// Whatever SAA_REPLICA_ID holds, an accepted id is safe to log, and the
// host-name part of a default id is too.
func FuzzReplicaID(f *testing.F) {
	for _, s := range []string{"replica-a", "a b", "", "\x00", strings.Repeat("z", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validReplicaID(s) && sanitizeReplica(s) != s {
			t.Fatalf("%q accepted but not clean", s)
		}
		if h := sanitizeReplica(s); !validReplicaID(h) {
			t.Fatalf("sanitizeReplica(%q) = %q, not a valid id", s, h)
		}
	})
}
