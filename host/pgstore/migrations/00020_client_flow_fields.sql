-- +goose Up
-- What a client of the authorization code flow needs besides its secret:
-- where the flow may send a user back to (matched exactly; none means the
-- client may not use the flow), and whether it has no secret at all (a
-- native or browser app, held to PKCE and rotating refresh tokens).
ALTER TABLE auth_clients
    ADD COLUMN redirect_uris text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN is_public     boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE auth_clients DROP COLUMN is_public, DROP COLUMN redirect_uris;
