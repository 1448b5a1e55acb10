package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/egress"
)

// auditQueueSize bounds the entries waiting to be written. A full queue
// makes Invoke wait: entries are never dropped.
const auditQueueSize = 4096

// auditBatchWait is how long the writer gathers entries after the first of
// a batch before committing: under load, one commit (one disk sync) then
// covers many calls. Calls never wait for it; only the crash window grows.
const auditBatchWait = 2 * time.Millisecond

// auditBatchMax bounds the entries of one commit.
const auditBatchMax = 512

// auditWriter commits audit entries in the background, in batches, so that
// an invocation does not wait for a disk sync. Close flushes what is queued.
// The cost is a window of milliseconds in which a hard crash loses the
// entries of calls that had already returned.
type auditWriter struct {
	log   *audit.Log
	queue chan audit.Entry
	done  chan struct{}
	errs  *slog.Logger
}

func newAuditWriter(l *audit.Log, logger *slog.Logger) *auditWriter {
	w := &auditWriter{log: l, queue: make(chan audit.Entry, auditQueueSize), done: make(chan struct{}), errs: logger}
	go w.run()
	return w
}

func (w *auditWriter) add(e audit.Entry) { w.queue <- e }

func (w *auditWriter) run() {
	defer close(w.done)
	timer := time.NewTimer(0)
	<-timer.C
	batch := make([]audit.Entry, 0, auditBatchMax)
	for e := range w.queue {
		batch = w.gather(append(batch[:0], e), timer)
		if err := w.log.AppendBatch(context.Background(), batch); err != nil {
			w.errs.Error("audit append failed", "entries", len(batch), "err", err)
		}
		clear(batch) // drop references to the entries' strings
	}
}

// gather adds to batch what arrives within auditBatchWait, up to
// auditBatchMax entries, or until the queue is closed.
func (w *auditWriter) gather(batch []audit.Entry, timer *time.Timer) []audit.Entry {
	timer.Reset(auditBatchWait)
	defer timer.Stop()
	for len(batch) < auditBatchMax {
		select {
		case e, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, e)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// close flushes the queue and stops the writer.
func (w *auditWriter) close() {
	close(w.queue)
	<-w.done
}

// invocationEntry starts the audit entry of one invocation.
func invocationEntry(ctx context.Context, p Principal, plugin, action string, input []byte) audit.Entry {
	sum := sha256.Sum256(input)
	return audit.Entry{
		Time:        time.Now(),
		Kind:        audit.KindInvoke,
		ClientID:    p.ClientID,
		Subject:     p.Subject,
		Delegation:  p.Actors,
		Plugin:      plugin,
		Action:      action,
		InputSHA256: hex.EncodeToString(sum[:]),
		RunID:       RunID(ctx),
		MCPSession:  MCPSession(ctx),
	}
}

// finish completes e with what the invocation did and how it ended.
func finish(e audit.Entry, sess *egress.Session, err error) audit.Entry {
	if sess != nil {
		e.Egress, e.Secrets = sess.Destinations(), sess.SecretsUsed()
	}
	e.Outcome = Outcome(err)
	if err != nil {
		e.Error = err.Error()
	}
	e.DurationMS = time.Since(e.Time).Milliseconds()
	return e
}

// Outcome names how an invocation ended, as recorded in the audit log and
// metrics: "ok" or the kind of error.
func Outcome(err error) string {
	outcomes := []struct {
		err  error
		name string
	}{
		{ErrNotFound, "not-found"},
		{ErrForbidden, "insufficient-scope"},
		{ErrInvalidInput, "invalid-input"},
		{ErrInvalidOutput, "invalid-output"},
		{ErrTimeout, "plugin-timeout"},
		{ErrPluginCrashed, "plugin-crashed"},
		{ErrOutputTooLarge, "output-too-large"},
		{ErrBusy, "busy"},
		{ErrRAGQuota, "rag-quota-exceeded"},
		{ErrRAGFailed, "rag-failed"},
		{ErrAccountNotConnected, "account-not-connected"},
		{ErrPluginFailed, "plugin-failed"},
	}
	if err == nil {
		return audit.OutcomeOK
	}
	for _, o := range outcomes {
		if errors.Is(err, o.err) {
			return o.name
		}
	}
	return "error"
}
