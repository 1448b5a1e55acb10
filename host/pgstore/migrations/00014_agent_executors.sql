-- +goose Up
-- The DBOS executors (one per replica) running agent runs, and when each
-- was last seen alive: a replica takes over the runs of an executor that
-- stopped beating.
CREATE TABLE agent_executors (
    executor_id text PRIMARY KEY,
    seen_ns     bigint NOT NULL
);

-- +goose Down
DROP TABLE agent_executors;
