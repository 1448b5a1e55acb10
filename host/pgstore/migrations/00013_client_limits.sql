-- +goose Up
-- The request limits an admin set per client, as the JSON document the
-- HTTP layer encodes.
CREATE TABLE client_limits (
    client_id text PRIMARY KEY,
    doc       bytea NOT NULL
);

-- +goose Down
DROP TABLE client_limits;
