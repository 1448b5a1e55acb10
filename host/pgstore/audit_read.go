package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/audit"
)

// auditVerifyChunk is how many entries Verify reads per transaction, so a
// long log never holds one snapshot open for long.
const auditVerifyChunk = 4096

// List implements audit.Store with the bbolt store's rules: entries are
// read in Seq order from the cursor and matched here, so a page examines
// at most audit.ScanBudget entries and Next is zero only when the range is
// exhausted.
func (s *AuditStore) List(ctx context.Context, f audit.Filter) (audit.Page, error) {
	if err := ctx.Err(); err != nil {
		return audit.Page{}, err
	}
	page := audit.Page{Entries: []audit.Entry{}}
	c, ok := newAuditCursor(s.db, f)
	if !ok {
		return page, nil
	}
	scanned := 0
	for {
		seq, data, more, err := c.next(ctx)
		if err != nil {
			return audit.Page{}, fmt.Errorf("list audit entries: %w", err)
		}
		if !more {
			page.Next = 0 // the range is exhausted
			return page, nil
		}
		if len(page.Entries) == f.PageSize() || scanned == audit.ScanBudget {
			return page, nil
		}
		var e audit.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return audit.Page{}, fmt.Errorf("list audit entries: decode entry %d: %w", seq, err)
		}
		scanned++
		page.Next = seq
		if f.Match(e) {
			page.Entries = append(page.Entries, e)
		}
	}
}

// auditCursor walks a Seq range in one direction, a chunk per query.
type auditCursor struct {
	db *DB
	// lo and hi bound the range, both exclusive; hi 0 means none.
	lo, hi int64
	desc   bool
	chunk  int
	buf    []auditRow
	done   bool
}

type auditRow struct {
	seq  int64
	data []byte
}

// newAuditCursor returns the cursor of f's range; false if it is empty
// (a bound beyond any Seq a bigint can hold).
func newAuditCursor(db *DB, f audit.Filter) (*auditCursor, bool) {
	c := &auditCursor{db: db, desc: f.Desc, chunk: f.PageSize() + 1}
	if f.AfterSeq > math.MaxInt64 {
		return nil, false
	}
	c.lo = int64(f.AfterSeq)
	if f.BeforeSeq <= math.MaxInt64 {
		c.hi = int64(f.BeforeSeq)
	}
	return c, true
}

// next returns the next entry of the range; more is false at its end.
func (c *auditCursor) next(ctx context.Context) (seq uint64, data []byte, more bool, err error) {
	if len(c.buf) == 0 && !c.done {
		if err := c.fill(ctx); err != nil {
			return 0, nil, false, err
		}
	}
	if len(c.buf) == 0 {
		return 0, nil, false, nil
	}
	r := c.buf[0]
	c.buf = c.buf[1:]
	return uint64(r.seq), r.data, true, nil
}

// fill reads the next chunk and moves the cursor's bound past it.
func (c *auditCursor) fill(ctx context.Context) error {
	order := "ASC"
	if c.desc {
		order = "DESC"
	}
	rows, err := c.db.pool.Query(ctx, `SELECT seq, entry FROM audit_entries
		WHERE seq > $1::bigint AND ($2::bigint = 0 OR seq < $2::bigint) ORDER BY seq `+order+` LIMIT $3`, c.lo, c.hi, c.chunk)
	if err != nil {
		return err
	}
	buf, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditRow, error) {
		var a auditRow
		return a, r.Scan(&a.seq, &a.data)
	})
	if err != nil {
		return err
	}
	c.buf, c.done = buf, len(buf) < c.chunk
	if n := len(buf); n > 0 {
		if c.desc {
			c.hi = buf[n-1].seq
		} else {
			c.lo = buf[n-1].seq
		}
	}
	c.chunk = min(c.chunk*4, audit.ScanBudget+1)
	return nil
}

// Verify implements audit.Store. It reads the log in chunks, each in a
// read-only snapshot; the head is read in the snapshot that reaches the
// end, so entries appended meanwhile are verified too.
func (s *AuditStore) Verify(ctx context.Context) (audit.Report, error) {
	var v audit.Verifier
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return audit.Report{}, err
		}
		var head audit.Head
		done := false
		err := pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			var err error
			if after, done, err = verifyChunk(ctx, tx, &v, after); err != nil || !done {
				return err
			}
			head, err = recordedHead(ctx, tx)
			return err
		})
		if err != nil {
			return audit.Report{}, fmt.Errorf("verify audit log: %w", err)
		}
		if done {
			return v.Finish(head), nil
		}
	}
}

// verifyChunk feeds v the entries after Seq after, up to a chunk, and
// returns the last Seq read and whether the log (or the chain) ended.
func verifyChunk(ctx context.Context, tx pgx.Tx, v *audit.Verifier, after int64) (int64, bool, error) {
	rows, err := tx.Query(ctx, `SELECT seq, entry FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2`, after, auditVerifyChunk)
	if err != nil {
		return after, false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var seq int64
		var data []byte
		if err := rows.Scan(&seq, &data); err != nil {
			return after, false, err
		}
		n, after = n+1, seq
		var e audit.Entry
		decodeErr := json.Unmarshal(data, &e)
		if !v.Add(uint64(seq), e, decodeErr) {
			return after, true, nil
		}
	}
	return after, n < auditVerifyChunk, rows.Err()
}
