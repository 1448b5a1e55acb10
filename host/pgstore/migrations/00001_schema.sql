-- +goose Up
-- The first migration only marks the database as SAA's. Each store adds
-- its tables in migrations of its own: the auth, secrets and audit stores
-- use versions 2-9, runs, idempotency, registry and limits 10-19.
CREATE TABLE saa_instance (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO saa_instance DEFAULT VALUES;

-- +goose Down
DROP TABLE saa_instance;
