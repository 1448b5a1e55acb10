-- +goose Up
-- Secrets arrive sealed (AES-256-GCM under the master key) from
-- host/secrets: this table never holds a plaintext value.
CREATE TABLE secrets (
    key    text COLLATE "C" PRIMARY KEY,
    sealed bytea NOT NULL
);

-- +goose Down
DROP TABLE secrets;
