-- +goose Up
-- The audit hash chain: each entry's JSON (the same bytes the bbolt store
-- keeps) under its Seq, and the head the last append recorded. Appends are
-- serialised by a transaction-scoped advisory lock (see audit.go).
CREATE TABLE audit_entries (
    seq   bigint PRIMARY KEY CHECK (seq > 0),
    entry bytea  NOT NULL
);

CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash text   NOT NULL
);

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_entries;
