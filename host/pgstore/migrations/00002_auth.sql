-- +goose Up
-- The authorization server's records. Times are nanoseconds since the Unix
-- epoch (bigint): timestamptz keeps microseconds, and a client's times must
-- come back exactly as stored. Keys sort bytewise (COLLATE "C"), as every
-- backend lists them.
CREATE TABLE auth_clients (
    id            text COLLATE "C" PRIMARY KEY,
    name          text   NOT NULL,
    scopes        text[] NOT NULL,
    status        text   NOT NULL,
    secret_sha256 bytea  NOT NULL,
    created_ns    bigint,
    rotated_ns    bigint,
    generation    bigint NOT NULL CHECK (generation >= 0)
);

CREATE TABLE auth_users (
    name          text COLLATE "C" PRIMARY KEY,
    role          text NOT NULL,
    password_hash text NOT NULL,
    created_ns    bigint
);

-- The deny-list of access tokens: a jti is kept until its token would
-- have expired anyway.
CREATE TABLE auth_denied_tokens (
    jti      text COLLATE "C" PRIMARY KEY,
    until_ns bigint NOT NULL
);
CREATE INDEX auth_denied_tokens_until ON auth_denied_tokens (until_ns);

-- One row: grows with every revocation and client change, in the same
-- transaction, and is announced with NOTIFY saa_revocation.
CREATE TABLE auth_revocation_epoch (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    epoch bigint  NOT NULL DEFAULT 0 CHECK (epoch >= 0)
);
INSERT INTO auth_revocation_epoch DEFAULT VALUES;

-- +goose Down
DROP TABLE auth_revocation_epoch;
DROP TABLE auth_denied_tokens;
DROP TABLE auth_users;
DROP TABLE auth_clients;
