-- +goose Up
-- host/accounts' records (users' connected-account tokens, OAuth provider
-- configs) arrive sealed like secrets, and are kept apart from them.
CREATE TABLE accounts (
    key    text COLLATE "C" PRIMARY KEY,
    sealed bytea NOT NULL
);

-- +goose Down
DROP TABLE accounts;
