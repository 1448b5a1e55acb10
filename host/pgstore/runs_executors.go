package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AgentExecutors records which replicas' agent engines (DBOS executors)
// are alive, so that the agent runs of a replica that died are taken over
// by exactly one other (dbosengine.Executors). Obtain it with
// DB.AgentExecutors.
type AgentExecutors struct{ db *DB }

// AgentExecutors returns the agent executors' view of the database.
func (db *DB) AgentExecutors() AgentExecutors { return AgentExecutors{db: db} }

// Beat records that the executor id is alive at now.
func (s AgentExecutors) Beat(ctx context.Context, id string, now time.Time) error {
	if id == "" {
		return errors.New("executor beat: empty id")
	}
	_, err := s.db.pool.Exec(ctx, `INSERT INTO agent_executors (executor_id, seen_ns) VALUES ($1, $2)
		ON CONFLICT (executor_id) DO UPDATE SET seen_ns = GREATEST(agent_executors.seen_ns, EXCLUDED.seen_ns)`,
		id, unixNanos(now))
	if err != nil {
		return fmt.Errorf("executor beat: %w", err)
	}
	return nil
}

// TakeOver removes and returns the executors last seen before cutoff:
// each is returned to one caller only, whichever replica asks.
func (s AgentExecutors) TakeOver(ctx context.Context, cutoff time.Time) ([]string, error) {
	rows, err := s.db.pool.Query(ctx, `DELETE FROM agent_executors WHERE seen_ns < $1 RETURNING executor_id`, unixNanos(cutoff))
	if err != nil {
		return nil, fmt.Errorf("take over executors: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("take over executors: %w", err)
	}
	return ids, nil
}
