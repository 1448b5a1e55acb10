package pgstore

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The verifier reads the revocation epoch on every request. A query per
// request would put the database on every call's path (and cost more than
// the rest of a cached verification: see BenchmarkRevocationEpoch), so each
// DB keeps a copy, fed by LISTEN on a connection of its own:
//
//   - every change of the epoch commits a NOTIFY with the new value, which
//     PostgreSQL delivers to every listener after the commit;
//   - the listener also reads the epoch itself every epochPoll, which both
//     catches anything missed and proves the connection alive;
//   - the copy is trusted only until epochFresh after the last proof; past
//     that (listener down, database unreachable) RevocationEpoch reads the
//     database, so a revocation on another replica is seen within
//     epochFresh at worst, and within milliseconds normally.
const (
	epochChannel = "saa_revocation"
	epochPoll    = 250 * time.Millisecond
	epochFresh   = 750 * time.Millisecond
	// listenerName is the listener's application_name, for operators (and
	// tests) looking at pg_stat_activity.
	listenerName = "saa-revocation-listener"
)

// epochWatch keeps the newest revocation epoch seen and until when it may
// be trusted without asking the database.
type epochWatch struct {
	pool       *pgxpool.Pool
	epoch      atomic.Uint64
	freshUntil atomic.Int64 // unix nanoseconds
	cancel     context.CancelFunc
	done       sync.WaitGroup
}

// watchEpoch starts the listener.
func watchEpoch(pool *pgxpool.Pool) *epochWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &epochWatch{pool: pool, cancel: cancel}
	w.done.Go(func() { w.run(ctx) })
	return w
}

func (w *epochWatch) stop() {
	w.cancel()
	w.done.Wait()
}

// observe records an epoch read or written by this process; epochs only grow.
func (w *epochWatch) observe(e uint64) {
	for {
		old := w.epoch.Load()
		if e <= old || w.epoch.CompareAndSwap(old, e) {
			return
		}
	}
}

// current returns the epoch if the copy is known current.
func (w *epochWatch) current() (uint64, bool) {
	if time.Now().UnixNano() >= w.freshUntil.Load() {
		return 0, false
	}
	return w.epoch.Load(), true
}

// confirmed extends trust in the copy: at time at, nothing it missed had
// committed.
func (w *epochWatch) confirmed(at time.Time) { w.freshUntil.Store(at.Add(epochFresh).UnixNano()) }

// run keeps a listening connection until ctx ends, reconnecting after a
// failure; while it is down the copy goes stale and readers ask the database.
func (w *epochWatch) run(ctx context.Context) {
	for ctx.Err() == nil {
		w.listen(ctx)
		w.freshUntil.Store(0)
		select {
		case <-ctx.Done():
		case <-time.After(epochPoll):
		}
	}
}

// listen serves one connection until it fails or ctx ends.
func (w *epochWatch) listen(ctx context.Context) {
	cfg := w.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = listenerName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	// LISTEN before the first read: a change committed in between is then
	// both read and notified, never neither.
	if _, err := conn.Exec(ctx, "LISTEN "+epochChannel); err != nil {
		return
	}
	for ctx.Err() == nil {
		if !w.poll(ctx, conn) {
			return
		}
		if !w.wait(ctx, conn) {
			return
		}
	}
}

// poll reads the epoch on conn and confirms the copy.
func (w *epochWatch) poll(ctx context.Context, conn *pgx.Conn) bool {
	start := time.Now()
	qctx, cancel := context.WithTimeout(ctx, epochPoll)
	defer cancel()
	e, err := readEpoch(qctx, conn)
	if err != nil {
		return false
	}
	w.observe(e)
	w.confirmed(start)
	return true
}

// wait takes notifications for up to epochPoll; false if conn failed.
func (w *epochWatch) wait(ctx context.Context, conn *pgx.Conn) bool {
	wctx, cancel := context.WithTimeout(ctx, epochPoll)
	defer cancel()
	for {
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			// A timeout leaves the connection usable: time to poll.
			return wctx.Err() != nil && ctx.Err() == nil
		}
		if e, err := strconv.ParseUint(n.Payload, 10, 64); err == nil {
			w.observe(e)
		}
	}
}
