-- +goose Up
-- Asynchronous runs. doc is the run's JSON exactly as host/store keeps it
-- (its size is what usage counts); the other columns are derived from it
-- for the queries. Times are Unix nanoseconds: timestamptz keeps only
-- microseconds, and runs round-trip to the nanosecond.
CREATE TABLE runs (
    id          text PRIMARY KEY,
    client_id   text NOT NULL,
    status      text NOT NULL,
    active      boolean NOT NULL,
    created_ns  bigint NOT NULL,
    size        bigint NOT NULL,
    doc         bytea NOT NULL,
    -- The replica executing a running run, and until when its lease holds:
    -- a run whose lease ran out belongs to a replica that died.
    lease_owner text,
    lease_until_ns bigint
);
CREATE INDEX runs_active ON runs (created_ns, id) WHERE active;
CREATE INDEX runs_created ON runs (created_ns) WHERE NOT active;
CREATE INDEX runs_queued ON runs (created_ns, id) WHERE status = 'queued';

-- Per-client usage counters of the runs and idempotency stores, updated in
-- the same transaction as each record they count.
CREATE TABLE store_usage (
    kind      text NOT NULL,
    client_id text NOT NULL,
    count     bigint NOT NULL,
    bytes     bigint NOT NULL,
    PRIMARY KEY (kind, client_id)
);

-- +goose Down
DROP TABLE store_usage;
DROP TABLE runs;
