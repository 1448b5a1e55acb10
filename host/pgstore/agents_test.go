package pgstore_test

import (
	"context"
	"testing"

	"github.com/secure-agent/saa/host/agents/agentstore"
	"github.com/secure-agent/saa/host/agents/agentstore/agentstoretest"
)

func TestAgentDefinitionsConformance(t *testing.T) {
	agentstoretest.Run(t, func(t *testing.T) (agentstore.Store, func() agentstore.Store) {
		url, _ := newDatabase(t)
		db := Open(t, url)
		return db.AgentDefinitions(), func() agentstore.Store {
			db.Close()
			return Open(t, url).AgentDefinitions()
		}
	})
}

// A definition without a name is refused, not stored under "".
func TestAgentDefinitionsRefuseEmptyName(t *testing.T) {
	url, _ := newDatabase(t)
	s := Open(t, url).AgentDefinitions()
	if err := s.Put(context.Background(), "", []byte("name: x\n")); err == nil {
		t.Fatal("Put with an empty name succeeded")
	}
	if l, err := s.List(context.Background()); err != nil || len(l) != 0 {
		t.Fatalf("List = %q, %v", l, err)
	}
}
