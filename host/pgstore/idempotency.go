package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// IdempotencyStore is the idempotency keys' storage on PostgreSQL. Obtain
// it with DB.Idempotency. The primary key (client_id, key) makes a key
// unique across every replica: of concurrent claims, one inserts the row
// and the others find it.
type IdempotencyStore struct {
	db *DB
}

var (
	_ runstore.IdempotencyStore      = (*IdempotencyStore)(nil)
	_ runstore.IdempotencyQuotaStore = (*IdempotencyStore)(nil)
)

// Idempotency returns the idempotency keys' view of the database.
func (db *DB) Idempotency() *IdempotencyStore { return &IdempotencyStore{db: db} }

// errRetryClaim means the record a claim conflicted with went away before
// it could be read: the claim starts again.
var errRetryClaim = errors.New("idempotency record changed during the claim")

// maxClaimAttempts bounds the retries of a claim racing deletes.
const maxClaimAttempts = 5

func checkIdemKey(clientID, key string) error {
	if clientID == "" || key == "" || strings.ContainsRune(clientID, 0) || strings.ContainsRune(key, 0) {
		return errors.New("empty or malformed idempotency key")
	}
	return nil
}

func encodeIdem(r *runstore.IdempotencyRecord) ([]byte, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return data, nil
}

// ClaimIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) ClaimIdempotency(ctx context.Context, rec runstore.IdempotencyRecord, now time.Time) (runstore.IdempotencyRecord, bool, error) {
	return s.ClaimIdempotencyWithin(ctx, rec, now, nil)
}

// ClaimIdempotencyWithin implements runstore.IdempotencyQuotaStore. The
// record's row is locked before the client's counter, as in every other
// write, so that writers never wait for each other in a cycle.
func (s *IdempotencyStore) ClaimIdempotencyWithin(ctx context.Context, rec runstore.IdempotencyRecord, now time.Time, check func(runstore.Usage) error) (runstore.IdempotencyRecord, bool, error) {
	if err := checkIdemKey(rec.ClientID, rec.Key); err != nil {
		return runstore.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	data, err := encodeIdem(&rec)
	if err != nil {
		return runstore.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	for range maxClaimAttempts {
		var out runstore.IdempotencyRecord
		var claimed bool
		err = s.db.runsTx(ctx, func(tx pgx.Tx) error {
			var e error
			out, claimed, e = claimIdem(ctx, tx, &rec, data, now, check)
			return e
		})
		if !errors.Is(err, errRetryClaim) {
			if err != nil {
				return runstore.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", err)
			}
			return out, claimed, nil
		}
	}
	return runstore.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", err)
}

// claimIdem inserts rec (encoded as data) unless an unexpired record holds
// its key, replacing an expired one.
func claimIdem(ctx context.Context, tx pgx.Tx, rec *runstore.IdempotencyRecord, data []byte, now time.Time, check func(runstore.Usage) error) (runstore.IdempotencyRecord, bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (client_id, key, expires_ns, size, doc)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id, key) DO NOTHING`,
		rec.ClientID, rec.Key, unixNanos(rec.ExpiresAt), len(data), data)
	if err != nil {
		return runstore.IdempotencyRecord{}, false, err
	}
	dCount, dBytes := int64(1), int64(len(data))
	if tag.RowsAffected() == 0 {
		old, oldSize, err := lockIdem(ctx, tx, rec.ClientID, rec.Key)
		if errors.Is(err, runstore.ErrNotFound) {
			return runstore.IdempotencyRecord{}, false, errRetryClaim
		}
		if err != nil {
			return runstore.IdempotencyRecord{}, false, err
		}
		if old.ExpiresAt.After(now) {
			return old, false, nil
		}
		if err := storeIdem(ctx, tx, rec, data); err != nil {
			return runstore.IdempotencyRecord{}, false, err
		}
		dCount, dBytes = 0, dBytes-oldSize
	}
	if check != nil {
		u, err := lockUsage(ctx, tx, usageIdem, rec.ClientID)
		if err != nil {
			return runstore.IdempotencyRecord{}, false, err
		}
		if err := check(u); err != nil {
			return runstore.IdempotencyRecord{}, false, err
		}
	}
	return *rec, true, addUsage(ctx, tx, usageIdem, rec.ClientID, dCount, dBytes)
}

// lockIdem reads the record of (clientID, key) and locks its row until tx
// ends, returning its stored size too.
func lockIdem(ctx context.Context, tx pgx.Tx, clientID, key string) (runstore.IdempotencyRecord, int64, error) {
	var data []byte
	err := tx.QueryRow(ctx, `SELECT doc FROM idempotency_keys WHERE client_id = $1 AND key = $2 FOR UPDATE`,
		clientID, key).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return runstore.IdempotencyRecord{}, 0, runstore.ErrNotFound
	}
	if err != nil {
		return runstore.IdempotencyRecord{}, 0, err
	}
	var r runstore.IdempotencyRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return runstore.IdempotencyRecord{}, 0, fmt.Errorf("decode: %w", err)
	}
	return r, int64(len(data)), nil
}

// storeIdem overwrites the locked record of r's key with data.
func storeIdem(ctx context.Context, tx pgx.Tx, r *runstore.IdempotencyRecord, data []byte) error {
	_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET expires_ns = $3, size = $4, doc = $5
		WHERE client_id = $1 AND key = $2`, r.ClientID, r.Key, unixNanos(r.ExpiresAt), len(data), data)
	return err
}

// UpdateIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) UpdateIdempotency(ctx context.Context, clientID, key string, fn func(*runstore.IdempotencyRecord) error) (runstore.IdempotencyRecord, error) {
	if err := checkIdemKey(clientID, key); err != nil {
		return runstore.IdempotencyRecord{}, fmt.Errorf("update idempotency key: %w", err)
	}
	var out runstore.IdempotencyRecord
	err := s.db.runsTx(ctx, func(tx pgx.Tx) error {
		old, oldSize, err := lockIdem(ctx, tx, clientID, key)
		if err != nil {
			return err
		}
		r := old
		if err := fn(&r); err != nil {
			return err
		}
		r.ClientID, r.Key = clientID, key
		data, err := encodeIdem(&r)
		if err != nil {
			return err
		}
		if err := storeIdem(ctx, tx, &r, data); err != nil {
			return err
		}
		out = r
		return addUsage(ctx, tx, usageIdem, clientID, 0, int64(len(data))-oldSize)
	})
	if err != nil {
		return runstore.IdempotencyRecord{}, fmt.Errorf("update idempotency key: %w", err)
	}
	return out, nil
}

// DeleteIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) DeleteIdempotency(ctx context.Context, clientID, key string) error {
	if err := checkIdemKey(clientID, key); err != nil {
		return fmt.Errorf("delete idempotency key: %w", err)
	}
	err := s.db.runsTx(ctx, func(tx pgx.Tx) error {
		var size int64
		err := tx.QueryRow(ctx, `DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 RETURNING size`,
			clientID, key).Scan(&size)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return addUsage(ctx, tx, usageIdem, clientID, -1, -size)
	})
	if err != nil {
		return fmt.Errorf("delete idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotency implements runstore.IdempotencyStore.
func (s *IdempotencyStore) PurgeIdempotency(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.runsTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('saa.purge.idempotency'))`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM idempotency_keys WHERE expires_ns <= $1 RETURNING client_id, size`, unixNanos(now))
		if err != nil {
			return err
		}
		n, err = uncount(ctx, tx, usageIdem, rows)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}
