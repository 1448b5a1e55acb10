package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/audit"
)

// AppendBatch implements audit.Store: it chains es in order and commits them
// in one transaction, so a writer that queues entries pays one sync per batch.
func (s *AuditStore) AppendBatch(ctx context.Context, es []audit.Entry) ([]audit.Entry, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	for _, e := range es {
		if err := e.Validate(); err != nil {
			return nil, err
		}
	}
	out := make([]audit.Entry, len(es))
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		entries, meta, err := auditBuckets(tx)
		if err != nil {
			return err
		}
		head, err := auditHead(entries, meta)
		if err != nil {
			return err
		}
		for i, e := range es {
			e.Seq, e.PrevHash = head.Seq+1, head.Hash
			e.Hash = e.ComputeHash()
			if err := putAuditData(entries, e); err != nil {
				return err
			}
			out[i], head = e, audit.Head{Seq: e.Seq, Hash: e.Hash}
		}
		// The head moves once per batch: the transaction commits all or none.
		return meta.Put([]byte(keyAuditHead), encodeHead(head))
	})
	if err != nil {
		return nil, fmt.Errorf("append audit entries: %w", err)
	}
	return out, nil
}
