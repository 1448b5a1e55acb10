-- +goose Up
-- A value derived from the master key (an HMAC of a constant, which reveals
-- nothing of the key), recorded by the first replica: a replica started
-- with another SAA_MASTER_KEY is refused instead of sealing secrets the
-- others cannot open.
ALTER TABLE saa_instance ADD COLUMN master_key_check bytea;

-- +goose Down
ALTER TABLE saa_instance DROP COLUMN master_key_check;
