package store_test

import (
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/agents/agentstore"
	"github.com/secure-agent/saa/host/agents/agentstore/agentstoretest"
	"github.com/secure-agent/saa/host/store"
)

func TestAgentDefinitionsConformance(t *testing.T) {
	agentstoretest.Run(t, func(t *testing.T) (agentstore.Store, func() agentstore.Store) {
		path := filepath.Join(t.TempDir(), "saa.db")
		open := func() *store.DB {
			db, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		db := open()
		t.Cleanup(func() { db.Close() })
		return db.AgentDefinitions(), func() agentstore.Store {
			db.Close()
			db = open()
			return db.AgentDefinitions()
		}
	})
}
