package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sharedKeys are the keys every replica on one database must hold alike:
// tokens signed by one replica are verified by the others, and callbacks
// are signed the same whichever replica sends them. (SAA_MASTER_KEY is the
// runtime's to check.)
var sharedKeys = []string{"JWT_PRIVATE_KEY", "SAA_WEBHOOK_KEY"}

// checkSharedKeys refuses SAA_DATABASE_URL without the shared keys: a key
// generated into one replica's data dir would split the cluster.
func checkSharedKeys(getenv func(string) string) error {
	if getenv("SAA_DATABASE_URL") == "" {
		return nil
	}
	var missing []string
	for _, k := range sharedKeys {
		if getenv(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("SAA_DATABASE_URL: set %s too: replicas sharing a database must share their keys", strings.Join(missing, " and "))
	}
	return nil
}

// replicaID is SAA_REPLICA_ID, or by default the host name and a hash of
// the data dir's absolute path: stable across restarts of one replica
// (DBOS recovers at start the agent runs of its own executor id only), and
// distinct for two replicas on one host with their own data dirs.
func replicaID(getenv func(string) string, dataDir string) (string, error) {
	if v := getenv("SAA_REPLICA_ID"); v != "" {
		if !validReplicaID(v) {
			return "", fmt.Errorf("SAA_REPLICA_ID: want 1 to 64 of [A-Za-z0-9._-], got %q", v)
		}
		return v, nil
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "host"
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("replica id: %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
	id := sanitizeReplica(name)
	return id + "-" + hex.EncodeToString(sum[:4]), nil
}

// validReplicaID allows what is safe in logs, lease owners and DBOS
// executor ids.
func validReplicaID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	return sanitizeReplica(s) == s
}

// sanitizeReplica keeps [A-Za-z0-9._-] of a host name, at most 40 bytes.
func sanitizeReplica(s string) string {
	out := []byte{}
	for i := 0; i < len(s) && len(out) < 40; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "host"
	}
	return string(out)
}
