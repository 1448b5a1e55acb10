-- +goose Up
-- The authorization code flow's records (authstore.Flows). Codes and
-- refresh tokens are keyed by a digest: the secrets themselves are never
-- stored. Times are nanoseconds since the Unix epoch, keys sort bytewise,
-- as in the other auth tables.

-- A user's consent that a client may act for it. generation grows with
-- every revocation and voids the tokens issued under the one before.
CREATE TABLE auth_grants (
    user_name  text COLLATE "C" NOT NULL,
    client_id  text COLLATE "C" NOT NULL,
    scopes     text[]  NOT NULL,
    generation bigint  NOT NULL DEFAULT 0 CHECK (generation >= 0),
    revoked    boolean NOT NULL DEFAULT false,
    created_ns bigint,
    updated_ns bigint,
    PRIMARY KEY (user_name, client_id)
);

-- Authorization codes; used flips once, by compare-and-swap.
CREATE TABLE auth_codes (
    signature  text COLLATE "C" PRIMARY KEY,
    family     text COLLATE "C" NOT NULL,
    request    bytea   NOT NULL,
    expires_ns bigint,
    used       boolean NOT NULL DEFAULT false
);
CREATE INDEX auth_codes_expires ON auth_codes (expires_ns);

-- A family is every token issued from one code. Its row is the lock that
-- orders adding a token against revoking the family.
CREATE TABLE auth_families (
    family    text COLLATE "C" PRIMARY KEY,
    user_name text COLLATE "C" NOT NULL,
    client_id text COLLATE "C" NOT NULL,
    revoked   boolean NOT NULL DEFAULT false
);
CREATE INDEX auth_families_grant ON auth_families (user_name, client_id);

-- The access tokens of a live family that a revocation would still have
-- to deny (expired ones are dropped as new ones arrive).
CREATE TABLE auth_family_tokens (
    family text COLLATE "C" NOT NULL REFERENCES auth_families ON DELETE CASCADE,
    jti    text COLLATE "C" NOT NULL,
    exp_ns bigint NOT NULL,
    PRIMARY KEY (family, jti)
);

-- Refresh tokens; active flips to false once, by compare-and-swap, when
-- the token is rotated or its family revoked.
CREATE TABLE auth_refresh_tokens (
    signature  text COLLATE "C" PRIMARY KEY,
    family     text COLLATE "C" NOT NULL REFERENCES auth_families ON DELETE CASCADE,
    request    bytea   NOT NULL,
    expires_ns bigint,
    active     boolean NOT NULL
);
CREATE INDEX auth_refresh_tokens_family ON auth_refresh_tokens (family);

-- +goose Down
DROP TABLE auth_refresh_tokens;
DROP TABLE auth_family_tokens;
DROP TABLE auth_families;
DROP TABLE auth_codes;
DROP TABLE auth_grants;
