package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/audit"
)

// The audit log keeps one entry per key, the key being the entry's Seq as 8
// big-endian bytes (so key order is Seq order), and beside it the head it
// last wrote (Seq and Hash), updated in the same transaction as the entry.
const (
	bucketAudit     = "audit"
	bucketAuditMeta = "audit_meta"
	keyAuditHead    = "head"
	// auditVerifyChunk is how many entries Verify reads per transaction, so
	// a long log never holds one read transaction open for long.
	auditVerifyChunk = 4096
)

// AuditStore is the audit log on the database. Obtain it with DB.Audit.
type AuditStore struct {
	db *DB
}

var _ audit.Store = (*AuditStore)(nil)

// Audit returns the audit log's view of the database.
func (db *DB) Audit() *AuditStore { return &AuditStore{db: db} }

// Append implements audit.Store. Concurrent appends are coalesced into one
// commit by bbolt's Batch, which may run the function more than once: it
// derives everything from the transaction it is given and only overwrites
// its result, so a re-run is harmless.
func (s *AuditStore) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := ctxErr(ctx); err != nil {
		return audit.Entry{}, err
	}
	if err := e.Validate(); err != nil {
		return audit.Entry{}, err
	}
	var out audit.Entry
	err := s.db.bolt.Batch(func(tx *bolt.Tx) error {
		entries, meta, err := auditBuckets(tx)
		if err != nil {
			return err
		}
		head, err := auditHead(entries, meta)
		if err != nil {
			return err
		}
		next := e
		next.Seq, next.PrevHash = head.Seq+1, head.Hash
		next.Hash = next.ComputeHash()
		if err := putAuditEntry(entries, meta, next); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return audit.Entry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return out, nil
}

func auditBuckets(tx *bolt.Tx) (entries, meta *bolt.Bucket, err error) {
	if entries, err = tx.CreateBucketIfNotExists([]byte(bucketAudit)); err != nil {
		return nil, nil, err
	}
	if meta, err = tx.CreateBucketIfNotExists([]byte(bucketAuditMeta)); err != nil {
		return nil, nil, err
	}
	return entries, meta, nil
}

// auditHead returns what the next entry follows: the recorded head when it
// agrees with the last key, else the last stored entry itself, so that a
// damaged head record can never make an append overwrite an entry.
func auditHead(entries, meta *bolt.Bucket) (audit.Head, error) {
	k, v := entries.Cursor().Last()
	if k == nil {
		return audit.Head{}, nil
	}
	lastSeq, ok := decodeSeq(k)
	if !ok {
		return audit.Head{}, fmt.Errorf("malformed audit key %x", k)
	}
	if h, ok := decodeHead(meta.Get([]byte(keyAuditHead))); ok && h.Seq == lastSeq {
		return h, nil
	}
	var last audit.Entry
	if err := json.Unmarshal(v, &last); err != nil {
		return audit.Head{}, fmt.Errorf("decode audit entry %d: %w", lastSeq, err)
	}
	return audit.Head{Seq: lastSeq, Hash: last.Hash}, nil
}

func putAuditEntry(entries, meta *bolt.Bucket, e audit.Entry) error {
	if err := putAuditData(entries, e); err != nil {
		return err
	}
	return meta.Put([]byte(keyAuditHead), encodeHead(audit.Head{Seq: e.Seq, Hash: e.Hash}))
}

// putAuditData stores e under its sequence number, leaving the head alone.
func putAuditData(entries *bolt.Bucket, e audit.Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return entries.Put(encodeSeq(e.Seq), data)
}

// List implements audit.Store.
func (s *AuditStore) List(ctx context.Context, f audit.Filter) (audit.Page, error) {
	if err := ctxErr(ctx); err != nil {
		return audit.Page{}, err
	}
	page := audit.Page{Entries: []audit.Entry{}}
	err := s.db.view(bucketAudit, func(b *bolt.Bucket) error {
		if b == nil || (!f.Desc && f.AfterSeq == math.MaxUint64) {
			return nil
		}
		var err error
		page, err = listAudit(b.Cursor(), f)
		return err
	})
	if err != nil {
		return audit.Page{}, fmt.Errorf("list audit entries: %w", err)
	}
	return page, nil
}

// listAudit walks c from f's cursor in f's direction, collecting matches
// until the page is full, the range ends, or the scan budget is spent.
func listAudit(c *bolt.Cursor, f audit.Filter) (audit.Page, error) {
	page := audit.Page{Entries: []audit.Entry{}}
	k, v, step, inRange := auditRange(c, f)
	scanned := 0
	for ; k != nil && inRange(k); k, v = step() {
		if len(page.Entries) == f.PageSize() || scanned == audit.ScanBudget {
			return page, nil
		}
		seq, _ := decodeSeq(k)
		var e audit.Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return audit.Page{}, fmt.Errorf("decode audit entry %d: %w", seq, err)
		}
		scanned++
		page.Next = seq
		if f.Match(e) {
			page.Entries = append(page.Entries, e)
		}
	}
	page.Next = 0 // the range is exhausted
	return page, nil
}

// auditRange positions c at the first key of f's range and returns the
// step function and the range test for f's direction.
func auditRange(c *bolt.Cursor, f audit.Filter) (k, v []byte, step func() ([]byte, []byte), inRange func([]byte) bool) {
	if f.Desc {
		k, v = c.Last()
		if f.BeforeSeq > 0 {
			k, v = c.Seek(encodeSeq(f.BeforeSeq))
			if k == nil {
				k, v = c.Last()
			}
			for k != nil && bytes.Compare(k, encodeSeq(f.BeforeSeq)) >= 0 {
				k, v = c.Prev()
			}
		}
		return k, v, c.Prev, func(k []byte) bool { return bytes.Compare(k, encodeSeq(f.AfterSeq)) > 0 }
	}
	k, v = c.Seek(encodeSeq(f.AfterSeq + 1))
	return k, v, c.Next, func(k []byte) bool {
		return f.BeforeSeq == 0 || bytes.Compare(k, encodeSeq(f.BeforeSeq)) < 0
	}
}

// Verify implements audit.Store. It reads the log in chunks of short read
// transactions; the head is read in the transaction that reaches the end, so
// entries appended meanwhile are verified too.
func (s *AuditStore) Verify(ctx context.Context) (audit.Report, error) {
	var v audit.Verifier
	var after []byte
	for {
		if err := ctxErr(ctx); err != nil {
			return audit.Report{}, err
		}
		var head audit.Head
		done := false
		err := s.db.bolt.View(func(tx *bolt.Tx) error {
			var err error
			after, done, err = verifyChunk(tx, &v, after)
			if done {
				head = recordedHead(tx)
			}
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

// verifyChunk feeds v the entries after key after, up to a chunk, and
// returns the last key read and whether the log (or the chain) ended.
func verifyChunk(tx *bolt.Tx, v *audit.Verifier, after []byte) ([]byte, bool, error) {
	b := tx.Bucket([]byte(bucketAudit))
	if b == nil {
		return after, true, nil
	}
	c := b.Cursor()
	k, val := c.First()
	if after != nil {
		k, val = c.Seek(after)
		if bytes.Equal(k, after) {
			k, val = c.Next()
		}
	}
	for n := 0; k != nil; k, val = c.Next() {
		if n == auditVerifyChunk {
			return after, false, nil
		}
		n++
		after = append([]byte(nil), k...)
		seq, ok := decodeSeq(k)
		if !ok {
			v.Corrupt(fmt.Sprintf("malformed key %x", k))
			return after, true, nil
		}
		var e audit.Entry
		decodeErr := json.Unmarshal(val, &e)
		if !v.Add(seq, e, decodeErr) {
			return after, true, nil
		}
	}
	return after, true, nil
}

// recordedHead returns the head record, or the zero head if there is none.
func recordedHead(tx *bolt.Tx) audit.Head {
	meta := tx.Bucket([]byte(bucketAuditMeta))
	if meta == nil {
		return audit.Head{}
	}
	h, _ := decodeHead(meta.Get([]byte(keyAuditHead)))
	return h
}

func encodeSeq(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

func decodeSeq(k []byte) (uint64, bool) {
	if len(k) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k), true
}

func encodeHead(h audit.Head) []byte {
	return append(encodeSeq(h.Seq), h.Hash...)
}

func decodeHead(b []byte) (audit.Head, bool) {
	if len(b) < 8 {
		return audit.Head{}, false
	}
	return audit.Head{Seq: binary.BigEndian.Uint64(b[:8]), Hash: string(b[8:])}, true
}
