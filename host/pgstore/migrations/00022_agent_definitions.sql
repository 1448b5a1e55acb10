-- +goose Up
-- Agent definitions put through the admin API, kept as the documents they
-- were given (YAML or JSON); host/agents validates them on every load.
CREATE TABLE agent_definitions (
    name text COLLATE "C" PRIMARY KEY,
    doc  bytea NOT NULL
);

-- +goose Down
DROP TABLE agent_definitions;
