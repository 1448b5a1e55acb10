package main

import (
	"fmt"
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
