package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/agents/agentstore"
)

// AgentDefinitions keeps the agent definitions put through the admin API,
// as the documents they were given; it never reads them.
type AgentDefinitions struct{ db *DB }

var _ agentstore.Store = (*AgentDefinitions)(nil)

// AgentDefinitions returns the agent definition store on the database.
func (db *DB) AgentDefinitions() agentstore.Store { return &AgentDefinitions{db: db} }

// List implements agentstore.Store, sorted bytewise by name.
func (s *AgentDefinitions) List(ctx context.Context) ([]agentstore.Definition, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT name, doc FROM agent_definitions ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list agent definitions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agentstore.Definition, error) {
		var d agentstore.Definition
		err := r.Scan(&d.Name, &d.Doc)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("list agent definitions: %w", err)
	}
	if out == nil {
		out = []agentstore.Definition{}
	}
	return out, nil
}

// Put implements agentstore.Store.
func (s *AgentDefinitions) Put(ctx context.Context, name string, doc []byte) error {
	if err := checkKey("agent definition", name); err != nil {
		return fmt.Errorf("put agent definition: %w", err)
	}
	_, err := s.db.pool.Exec(ctx, `INSERT INTO agent_definitions (name, doc) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc`, name, orEmpty(doc))
	if err != nil {
		return fmt.Errorf("put agent definition %s: %w", name, err)
	}
	return nil
}

// Delete implements agentstore.Store.
func (s *AgentDefinitions) Delete(ctx context.Context, name string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM agent_definitions WHERE name = $1`, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = agentstore.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete agent definition %s: %w", name, err)
	}
	return nil
}
