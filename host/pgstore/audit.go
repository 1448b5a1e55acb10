package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/audit"
)

// auditLock is the key of the transaction-scoped advisory lock that
// serialises appends on every connection of every replica: the chain is
// one sequence, so the next entry must see the previous one committed. An
// advisory lock, not a row lock on audit_head, so that a damaged or deleted
// head row can never let two appends run at once.
const auditLock int64 = 0x5341415f61756474 // "SAA_audt"

// AuditStore is the audit log on PostgreSQL. Obtain it with DB.Audit.
type AuditStore struct {
	db *DB
}

var _ audit.Store = (*AuditStore)(nil)

// Audit returns the audit log's view of the database.
func (db *DB) Audit() audit.Store { return &AuditStore{db: db} }

// Append implements audit.Store.
func (s *AuditStore) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	out, err := s.appendAll(ctx, []audit.Entry{e})
	if err != nil {
		return audit.Entry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return out[0], nil
}

// AppendBatch implements audit.Store: one transaction, all or none.
func (s *AuditStore) AppendBatch(ctx context.Context, es []audit.Entry) ([]audit.Entry, error) {
	out, err := s.appendAll(ctx, es)
	if err != nil {
		return nil, fmt.Errorf("append audit entries: %w", err)
	}
	return out, nil
}

// appendAll chains es after the head and commits them and the new head in
// one transaction, under auditLock.
func (s *AuditStore) appendAll(ctx context.Context, es []audit.Entry) ([]audit.Entry, error) {
	return s.appendChained(ctx, es, true)
}

// appendChained is appendAll; lock false is only for measuring the lock's
// cost with a single writer (BenchmarkAuditAppend).
//
// The lock is held for one round trip: the first pipeline begins, takes the
// lock and reads the head, the second writes and commits. Under READ
// COMMITTED each statement reads a snapshot taken when it starts, so the
// head read, a statement after the lock, sees the previous append.
func (s *AuditStore) appendChained(ctx context.Context, es []audit.Entry, lock bool) ([]audit.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, e := range es {
		if err := e.Validate(); err != nil {
			return nil, err
		}
	}
	if len(es) == 0 {
		return []audit.Entry{}, nil
	}
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	// A connection left inside a transaction by an error is destroyed, not
	// reused, on release, which rolls the transaction back.
	defer conn.Release()
	head, err := lockHead(ctx, conn.Conn(), lock)
	if err != nil {
		return nil, err
	}
	out, b, err := chain(es, head)
	if err != nil {
		return nil, err
	}
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// lockHead begins a transaction on conn, takes auditLock and reads the head.
func lockHead(ctx context.Context, conn *pgx.Conn, lock bool) (audit.Head, error) {
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	if lock {
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, auditLock)
	}
	var head audit.Head
	b.Queue(headQuery).QueryRow(func(row pgx.Row) error {
		var err error
		head, err = scanHead(row)
		return err
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return audit.Head{}, fmt.Errorf("read audit head: %w", err)
	}
	return head, nil
}

// chain assigns es their Seq and hashes after head and queues their
// inserts and the new head.
func chain(es []audit.Entry, head audit.Head) ([]audit.Entry, *pgx.Batch, error) {
	out := make([]audit.Entry, len(es))
	b := &pgx.Batch{}
	for i, e := range es {
		e.Seq, e.PrevHash = head.Seq+1, head.Hash
		e.Hash = e.ComputeHash()
		data, err := json.Marshal(e)
		if err != nil {
			return nil, nil, fmt.Errorf("encode: %w", err)
		}
		b.Queue(`INSERT INTO audit_entries (seq, entry) VALUES ($1, $2)`, int64(e.Seq), data)
		out[i], head = e, audit.Head{Seq: e.Seq, Hash: e.Hash}
	}
	b.Queue(`INSERT INTO audit_head (id, seq, hash) VALUES (true, $1, $2)
		ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`, int64(head.Seq), head.Hash)
	return out, b, nil
}

// headQuery reads the head record and the last stored entry.
const headQuery = `SELECT h.seq, h.hash, l.seq, l.entry
	FROM (SELECT 1) AS one
	LEFT JOIN audit_head h ON true
	LEFT JOIN LATERAL (SELECT seq, entry FROM audit_entries ORDER BY seq DESC LIMIT 1) l ON true`

// scanHead returns what the next entry follows: the recorded head when it
// agrees with the last stored entry, else that entry itself, so that a
// damaged head record can never make an append collide with an entry.
func scanHead(row pgx.Row) (audit.Head, error) {
	var headSeq, lastSeq *int64
	var headHash *string
	var last []byte
	if err := row.Scan(&headSeq, &headHash, &lastSeq, &last); err != nil {
		return audit.Head{}, err
	}
	switch {
	case lastSeq == nil:
		return audit.Head{}, nil
	case headSeq != nil && headHash != nil && *headSeq == *lastSeq:
		return audit.Head{Seq: uint64(*headSeq), Hash: *headHash}, nil
	}
	var e audit.Entry
	if err := json.Unmarshal(last, &e); err != nil {
		return audit.Head{}, fmt.Errorf("decode audit entry %d: %w", *lastSeq, err)
	}
	return audit.Head{Seq: uint64(*lastSeq), Hash: e.Hash}, nil
}

// recordedHead reads the head record, or the zero head if there is none.
func recordedHead(ctx context.Context, tx pgx.Tx) (audit.Head, error) {
	var seq int64
	var hash string
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head`).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Head{}, nil
	}
	if err != nil {
		return audit.Head{}, err
	}
	return audit.Head{Seq: uint64(seq), Hash: hash}, nil
}
