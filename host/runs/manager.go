package runs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/runs/runstore"
)

// Invoker runs an action; host.Runtime satisfies it.
type Invoker interface {
	Invoke(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error)
}

// Sender POSTs a callback and returns the response status. The server's
// Sender goes through the egress guard with a policy allowing exactly url.
type Sender interface {
	Send(ctx context.Context, url string, headers map[string]string, body []byte) (status int, err error)
}

// Config configures a Manager.
type Config struct {
	// Store persists runs; required.
	Store runstore.Store
	// Invoker runs actions; required.
	Invoker Invoker
	// Idempotency, if set, enables Request.IdempotencyKey.
	Idempotency *Idempotency
	// Sender, if set, enables callbacks; WebhookKey is then required (at
	// least 32 bytes, see LoadWebhookKey).
	Sender     Sender
	WebhookKey []byte
	// Workers is how many runs execute at once; default 4.
	Workers int
	// MaxQueued bounds the runs waiting for a worker; default 1000.
	MaxQueued int
	// Retry is the callback retry policy; zero fields get defaults.
	Retry RetryPolicy
	// Retention is how long finished runs stay readable; default 7 days.
	Retention time.Duration
	// SweepInterval is how often old runs and expired idempotency keys are
	// deleted; default an hour.
	SweepInterval time.Duration
	// Quota bounds each client's stored runs (count, and bytes as stored);
	// zero fields take DefaultRunQuota's, negative ones mean no bound.
	Quota quota.Limit
	// LeaseTTL is how long a running run stays this replica's without a
	// renewal, on a store several replicas share (runstore.LeaseStore);
	// default DefaultLeaseTTL. See shared.go.
	LeaseTTL time.Duration
	// Replica names this replica (SAA_REPLICA_ID) in the leases it holds,
	// so that an operator sees which replica runs what. A random suffix
	// per process is added: a restarted replica must not renew the leases
	// of the runs its previous process left, or they would never be failed.
	Replica string
	// Classify maps an Invoke error to the stored kind and caller-safe
	// message; default Classify.
	Classify func(error) (kind, message string)
	// Logger receives the manager's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Manager runs actions asynchronously. Create it with New, Start it, and
// Shutdown when done. It is safe for concurrent use.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	queue *queue
	// sends bounds concurrent callback deliveries.
	sends chan struct{}

	// quotaMu serialises a new run's quota check with its creation.
	quotaMu sync.Mutex
	// leases is the store as a runstore.LeaseStore when replicas share it,
	// nil otherwise; owner names this Manager in the leases it holds.
	leases runstore.LeaseStore
	owner  string
	// stopLeases ends the lease loop, which outlives the workers: a run
	// draining at shutdown keeps its lease.
	stopLeases context.CancelFunc
	leaseLoops sync.WaitGroup

	mu         sync.Mutex
	state      managerState
	delivering map[string]bool

	stopTaking context.CancelFunc // workers take no new run
	runCtx     context.Context    // in-flight invocations
	cancelRuns context.CancelFunc
	bgCtx      context.Context // deliveries and purging
	cancelBg   context.CancelFunc
	workers    sync.WaitGroup
	bg         sync.WaitGroup
}

type managerState int

const (
	stateNew managerState = iota
	stateRunning
	stateStopped
)

// Log keys.
const (
	logRun    = "run_id"
	logStatus = "status"
	logKind   = "error_kind"
	logErr    = "err"
)

// New returns a Manager for cfg, with defaults applied.
func New(cfg Config) (*Manager, error) {
	switch {
	case cfg.Store == nil || cfg.Invoker == nil:
		return nil, errors.New("runs: store and invoker are required")
	case cfg.Sender != nil && len(cfg.WebhookKey) < WebhookKeySize:
		return nil, fmt.Errorf("runs: callbacks need a webhook key of at least %d bytes", WebhookKeySize)
	}
	cfg.Workers = cmpOr(cfg.Workers, 4)
	cfg.MaxQueued = cmpOr(cfg.MaxQueued, 1000)
	cfg.Retention = cmpOr(cfg.Retention, 7*24*time.Hour)
	cfg.SweepInterval = cmpOr(cfg.SweepInterval, purgeInterval)
	cfg.Quota = withDefault(cfg.Quota, DefaultRunQuota)
	cfg.Retry = cfg.Retry.withDefaults()
	cfg.LeaseTTL = cmpOr(cfg.LeaseTTL, DefaultLeaseTTL)
	if cfg.Classify == nil {
		cfg.Classify = Classify
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Manager{
		cfg: cfg, log: cfg.Logger.With("component", "runs"), queue: newQueue(),
		sends: make(chan struct{}, cfg.Workers), delivering: map[string]bool{}, owner: leaseOwner(cfg.Replica),
	}
	m.leases, _ = cfg.Store.(runstore.LeaseStore)
	return m, nil
}

// leaseOwner is the owner this process writes into its run leases.
func leaseOwner(replica string) string {
	if replica == "" {
		return rand.Text()
	}
	return replica + "/" + rand.Text()[:10]
}

func cmpOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Start recovers the runs a previous process left (see the package doc),
// then starts the workers, the callback deliveries and the hourly purge of
// old runs and expired idempotency keys. ctx bounds the recovery only (its
// values are kept): what Start starts runs until Shutdown, so that a signal
// context ending does not cut runs short before a graceful Shutdown.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != stateNew {
		return errors.New("runs: manager already started")
	}
	life := context.WithoutCancel(ctx)
	var takeCtx context.Context
	takeCtx, m.stopTaking = context.WithCancel(life)
	m.runCtx, m.cancelRuns = context.WithCancel(life)
	m.bgCtx, m.cancelBg = context.WithCancel(life)
	m.state = stateRunning
	recover := m.recoverRuns
	if m.shared() {
		recover = m.recoverShared
	}
	pending, err := recover(ctx)
	if err != nil {
		m.state = stateStopped
		m.stopTaking()
		m.cancelRuns()
		m.cancelBg()
		return err
	}
	work := m.work
	if m.shared() {
		work = m.claimWork
		var leaseCtx context.Context
		leaseCtx, m.stopLeases = context.WithCancel(life)
		m.leaseLoops.Go(func() { m.leaseLoop(leaseCtx) })
	}
	for range m.cfg.Workers {
		m.workers.Go(func() { work(takeCtx) })
	}
	for _, id := range pending {
		m.deliverLocked(id)
	}
	m.bg.Go(m.purgeLoop)
	return nil
}

// Shutdown stops taking runs and waits for the runs in flight to finish.
// Runs still queued stay queued in the store and run after the next Start;
// pending callbacks resume then too. If ctx ends first, the runs in flight
// are cancelled and recorded as interrupted, and ctx's error is returned.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	if m.state != stateRunning {
		m.state = stateStopped
		m.mu.Unlock()
		return nil
	}
	m.state = stateStopped
	m.mu.Unlock()

	m.stopTaking()
	m.cancelBg()
	done := make(chan struct{})
	go func() {
		m.workers.Wait()
		m.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
		m.cancelRuns()
		m.stopLeaseLoop()
		return nil
	case <-ctx.Done():
		m.cancelRuns()
		<-done
		m.stopLeaseLoop()
		return ctx.Err()
	}
}

// stopLeaseLoop stops renewing leases, once no run is in flight here.
func (m *Manager) stopLeaseLoop() {
	if m.stopLeases != nil {
		m.stopLeases()
		m.leaseLoops.Wait()
	}
}

// Submit persists a new queued run of req and returns it; the run executes
// as soon as a worker is free. With an IdempotencyKey, a repeat of the same
// request returns the first run instead, and the same key with a different
// request fails with ErrIdempotencyConflict.
func (m *Manager) Submit(ctx context.Context, req Request) (Run, error) {
	if err := m.accepting(); err != nil {
		return Run{}, err
	}
	if err := req.validate(); err != nil {
		return Run{}, err
	}
	if req.CallbackURL != "" && m.cfg.Sender == nil {
		return Run{}, ErrCallbacksDisabled
	}
	if !m.shared() && m.queue.len() >= m.cfg.MaxQueued {
		return Run{}, ErrQueueFull
	}
	id := req.ID
	if id == "" {
		id = NewID()
	}
	replay := false
	if req.IdempotencyKey != "" {
		first, err := m.claim(ctx, &req, id)
		if err != nil {
			return Run{}, err
		}
		if first != "" {
			id, replay = first, true
		}
	}
	if replay {
		return m.create(ctx, &req, id, true)
	}
	m.quotaMu.Lock()
	defer m.quotaMu.Unlock()
	r, err := m.create(ctx, &req, id, false)
	if errors.Is(err, quota.ErrExceeded) && req.IdempotencyKey != "" {
		// The key must not point at a run that was never created.
		err = errors.Join(err, m.cfg.Idempotency.Abandon(ctx, req.Principal.ClientID, req.IdempotencyKey))
	}
	return r, err
}

func (m *Manager) accepting() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != stateRunning {
		return ErrNotRunning
	}
	return nil
}

func (m *Manager) claim(ctx context.Context, req *Request, id string) (string, error) {
	if m.cfg.Idempotency == nil {
		return "", ErrIdempotencyDisabled
	}
	return m.cfg.Idempotency.claimRun(ctx, req, id)
}

// create stores and queues the run id. For a replay, the first Submit may
// have claimed the key and died before storing its run: nothing ran then,
// so the run is created now; if it exists, it is returned.
func (m *Manager) create(ctx context.Context, req *Request, id string, replay bool) (Run, error) {
	if replay {
		if r, err := m.cfg.Store.GetRun(ctx, id); !errors.Is(err, runstore.ErrNotFound) {
			return r, wrapErr("get run", err)
		}
	}
	p := req.Principal
	r := Run{
		ID: id, ClientID: p.ClientID, Subject: p.Subject, Scopes: p.Scopes, Actors: p.Actors,
		Plugin: req.Plugin, Action: req.Action, Input: req.Input,
		Status: StatusQueued, CreatedAt: time.Now().UTC(),
		Callback: runstore.Callback{URL: req.CallbackURL},
	}
	var err error
	if replay {
		err = m.cfg.Store.CreateRun(ctx, r)
	} else {
		err = m.createWithin(ctx, r, int64(len(req.Input)))
	}
	if replay && errors.Is(err, runstore.ErrExists) {
		r, err = m.cfg.Store.GetRun(ctx, id) // a concurrent replay created it
		return r, wrapErr("get run", err)
	}
	if errors.Is(err, runstore.ErrExists) {
		return Run{}, fmt.Errorf("%w: run id taken", ErrInvalidRequest)
	}
	if errors.Is(err, quota.ErrExceeded) {
		return Run{}, err
	}
	if err != nil {
		return Run{}, fmt.Errorf("submit run: %w", err)
	}
	if m.shared() {
		m.queue.signal() // a worker here claims it, or one elsewhere
	} else {
		m.queue.push(id)
	}
	return r, nil
}

func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Get returns the run id if p's client submitted it; ErrNotFound otherwise.
func (m *Manager) Get(ctx context.Context, p host.Principal, id string) (Run, error) {
	r, err := m.cfg.Store.GetRun(ctx, id)
	if errors.Is(err, runstore.ErrNotFound) || (err == nil && r.ClientID != p.ClientID) {
		return Run{}, ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("get run: %w", err)
	}
	return r, nil
}

// KeyFor returns clientID's webhook key, which verifies the callbacks of
// its runs; give it to the client as Secret(key). It is nil when callbacks
// are disabled.
func (m *Manager) KeyFor(clientID string) []byte {
	if len(m.cfg.WebhookKey) == 0 {
		return nil
	}
	return KeyFor(m.cfg.WebhookKey, clientID)
}
