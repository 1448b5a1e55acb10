-- +goose Up
-- Idempotency keys per client. doc is the record's JSON as host/store
-- keeps it; expires_ns (Unix nanoseconds) drives replacement and purging.
CREATE TABLE idempotency_keys (
    client_id  text NOT NULL,
    key        text NOT NULL,
    expires_ns bigint NOT NULL,
    size       bigint NOT NULL,
    doc        bytea NOT NULL,
    PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_ns);

-- +goose Down
DROP TABLE idempotency_keys;
