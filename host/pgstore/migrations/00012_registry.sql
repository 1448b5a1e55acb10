-- +goose Up
-- The plugin registry: records as JSON by name, and blobs (manifests and
-- modules, up to 64 MiB each, well under bytea's 1 GiB) by the SHA-256 of
-- their content.
CREATE TABLE registry_plugins (
    name text PRIMARY KEY,
    doc  bytea NOT NULL
);
CREATE TABLE registry_publishers (
    name text PRIMARY KEY,
    doc  bytea NOT NULL
);
CREATE TABLE registry_blobs (
    sha256  text PRIMARY KEY,
    content bytea NOT NULL
);

-- +goose Down
DROP TABLE registry_blobs;
DROP TABLE registry_publishers;
DROP TABLE registry_plugins;
