package store

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/agents/agentstore"
)

const bucketAgents = "agent_definitions"

// AgentDefinitions keeps the agent definitions put through the admin API,
// as the documents they were given.
type AgentDefinitions struct{ db *DB }

var _ agentstore.Store = AgentDefinitions{}

// AgentDefinitions returns the agent definition store on the database.
func (db *DB) AgentDefinitions() AgentDefinitions { return AgentDefinitions{db: db} }

// List implements agentstore.Store; bbolt's byte order sorts the names.
func (s AgentDefinitions) List(_ context.Context) ([]agentstore.Definition, error) {
	out := []agentstore.Definition{}
	err := s.db.view(bucketAgents, func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			out = append(out, agentstore.Definition{Name: string(k), Doc: append([]byte(nil), v...)})
			return nil
		})
	})
	return out, err
}

// Put implements agentstore.Store.
func (s AgentDefinitions) Put(_ context.Context, name string, doc []byte) error {
	return s.db.put(bucketAgents, name, doc)
}

// Delete implements agentstore.Store.
func (s AgentDefinitions) Delete(_ context.Context, name string) error {
	err := s.db.delete(bucketAgents, name)
	if errors.Is(err, ErrNotFound) {
		return agentstore.ErrNotFound
	}
	return err
}
