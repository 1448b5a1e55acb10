// Package dbosengine runs agents durably with DBOS Transact for Go, on a
// SQLite system database under the data dir, or, when replicas share a
// PostgreSQL database (SAA_DATABASE_URL), on that database in DBOS's own
// schema, each replica its own DBOS executor (takeover.go: a dead one's
// runs are resumed by one other). It is the only package that imports
// DBOS: the rest of SAA sees agents.Engine.
//
// Each run is a DBOS workflow whose id is the run id; each model call, tool
// call and approval is a DBOS step, recorded before the next begins. After a
// crash, DBOS replays a pending workflow from its recorded steps: recorded
// calls are not repeated, and a write the process was in the middle of is
// reported as interrupted rather than run twice (agents' intent journal).
//
// DBOS makes network calls only with a Conductor key or AutoUpgrade; both
// stay off here, and this package must never set them.
package dbosengine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"
	_ "github.com/dbos-inc/dbos-transact-golang/dbos/driver/sqlite" // the SQLite system database

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/runs"
)

// appVersion pins DBOS's application version so that runs left by an older
// binary of the same loop are recovered, not stranded.
const appVersion = "saa-agents-v1"

// workflowName is the registered name of the run workflow.
const workflowName = "saa.agent_run"

// Config configures an Engine.
type Config struct {
	// DataDir holds the system database, agents.db, when DatabaseURL is
	// empty.
	DataDir string
	// DatabaseURL, if set, is the PostgreSQL database (postgres://...)
	// that holds the system database instead, in the schema "dbos".
	DatabaseURL string
	// ExecutorID names this process to DBOS; default "local". Replicas on
	// one database need distinct ids, each stable across its restarts:
	// DBOS recovers at launch the pending runs of its own executor id
	// only, so a replica never resumes a run another live replica holds.
	ExecutorID string
	// Executors, if set (with DatabaseURL), lets replicas take over the
	// runs of one that died; ExecutorTimeout is how long a replica may go
	// without a sign of life first (default DefaultExecutorTimeout).
	Executors       Executors
	ExecutorTimeout time.Duration
	// Runner runs the loop; its Approver is replaced by the engine's.
	Runner *agents.Runner
	// Sender and WebhookKey enable signed callbacks (host/runs' format).
	Sender     runs.Sender
	WebhookKey []byte
	// Retry is the callback retry policy.
	Retry runs.RetryPolicy
	// Logger receives the engine's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Engine is an agents.Engine on DBOS.
type Engine struct {
	cfg      Config
	dctx     dbos.Context
	log      *slog.Logger
	approver *agents.MemoryApprover

	mu   sync.Mutex
	live map[string]*liveRun

	// stopWatch ends the executor watch, watched once it has.
	stopWatch chan struct{}
	watched   chan struct{}
}

var _ agents.Engine = (*Engine)(nil)

// liveRun is a run in flight as readers see it; it is rebuilt when a
// recovered workflow replays its steps.
type liveRun struct {
	view   agents.RunView
	cancel context.CancelFunc
	done   bool // finished; kept for readers until finishedTTL
}

// input is the workflow's input, stored by DBOS.
type input struct {
	ID          string         `json:"id"`
	Agent       string         `json:"agent"`
	Input       string         `json:"input"`
	Principal   host.Principal `json:"principal"`
	Mode        string         `json:"mode"`
	CallbackURL string         `json:"callback_url,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	// Request fingerprints a start made under an Idempotency-Key
	// (requestHash), so that a repeat with another body is refused.
	Request string `json:"request,omitempty"`
}

// New opens the system database, registers the workflow and launches DBOS,
// which recovers the runs a previous process left pending.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Runner == nil || (cfg.DataDir == "" && cfg.DatabaseURL == "") {
		return nil, errors.New("dbosengine: runner and data dir or database URL are required")
	}
	dbURL, err := systemDatabase(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Executors != nil && cfg.DatabaseURL == "" {
		return nil, errors.New("dbosengine: executors are for replicas sharing a database URL")
	}
	if cfg.Sender != nil && len(cfg.WebhookKey) < runs.WebhookKeySize {
		return nil, errors.New("dbosengine: callbacks need a webhook key")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{cfg: cfg, log: log.With("component", "agents"), approver: agents.NewMemoryApprover(), live: map[string]*liveRun{}}
	runner := *cfg.Runner
	runner.Approver = e.approver
	e.cfg.Runner = &runner
	dctx, err := dbos.NewContext(context.WithoutCancel(ctx), dbos.Config{
		AppName:            "saa-agents",
		DatabaseURL:        dbURL,
		ApplicationVersion: appVersion,
		ExecutorID:         cmp.Or(cfg.ExecutorID, "local"),
		Logger:             quiet(log),
	})
	if err != nil {
		return nil, fmt.Errorf("open agents database: %w", err)
	}
	dbos.RegisterWorkflow(dctx, e.workflow, dbos.WithWorkflowName(workflowName))
	if err := dbos.Launch(dctx); err != nil {
		dbos.Shutdown(dctx, time.Second)
		return nil, fmt.Errorf("launch agents engine: %w", err)
	}
	e.dctx = dctx
	if cfg.Executors != nil {
		if e.cfg.ExecutorTimeout <= 0 {
			e.cfg.ExecutorTimeout = DefaultExecutorTimeout
		}
		e.stopWatch, e.watched = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(e.watched)
			e.watch(e.stopWatch)
		}()
	}
	return e, nil
}

// systemDatabase returns the URL of DBOS's system database for cfg: the
// PostgreSQL database if one is set, else SQLite under the data dir.
func systemDatabase(cfg Config) (string, error) {
	if cfg.DatabaseURL == "" {
		return "sqlite:" + filepath.Join(cfg.DataDir, "agents.db"), nil
	}
	if !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		return "", errors.New("dbosengine: the database URL must be postgres://")
	}
	return cfg.DatabaseURL, nil
}

// quiet passes DBOS's warnings and errors on, not its chatter.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{log.Handler(), slog.LevelWarn}).With("component", "dbos")
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

// Shutdown stops DBOS; runs in flight stay pending and resume at the next New.
func (e *Engine) Shutdown(timeout time.Duration) {
	if e.stopWatch != nil {
		close(e.stopWatch)
		<-e.watched
	}
	// Cancelling DBOS's own context interrupts the steps in flight without
	// recording them; cancelling the runs' contexts would record them as
	// canceled.
	dbos.Shutdown(e.dctx, timeout)
}

// Start implements agents.Engine.
func (e *Engine) Start(ctx context.Context, s agents.StartRequest) (agents.RunView, error) {
	if e.cfg.Runner.Definitions()[s.Agent] == nil {
		return agents.RunView{}, fmt.Errorf("%w: no agent %q", agents.ErrInvalid, s.Agent)
	}
	if s.CallbackURL != "" && e.cfg.Sender == nil {
		return agents.RunView{}, runs.ErrCallbacksDisabled
	}
	id := runs.NewID()
	in := input{Agent: s.Agent, Input: s.Input, Principal: s.Principal, Mode: s.Mode, CallbackURL: s.CallbackURL, CreatedAt: time.Now().UTC()}
	if s.IdempotencyKey != "" {
		sum := sha256.Sum256([]byte(s.Principal.ClientID + "\x00" + s.IdempotencyKey))
		id, in.Request = "run_"+strings.ToUpper(hex.EncodeToString(sum[:13])), requestHash(in)
		if v, err := e.replay(ctx, id, in.Request); !errors.Is(err, agents.ErrRunNotFound) {
			return v, err
		}
	}
	in.ID = id
	view := e.track(in)
	if _, err := dbos.RunWorkflow(e.dctx, e.workflow, in, dbos.WithWorkflowID(id), dbos.WithAuthenticatedUser(s.Principal.ClientID)); err != nil {
		e.untrack(id)
		return agents.RunView{}, fmt.Errorf("start run: %w", err)
	}
	if in.Request != "" {
		// Two starts with one key may race past replay; DBOS keeps the
		// first workflow of an id, so the loser is told here.
		prior, ok := e.storedInput(id)
		if !ok {
			return agents.RunView{}, fmt.Errorf("start run %s: its record cannot be read back", id)
		}
		if !sameRequest(prior, in.Request) {
			e.mu.Lock()
			if l, ok := e.live[id]; ok && !l.done { // the loser may have tracked it first
				l.view.Agent, l.view.CreatedAt = prior.Agent, prior.CreatedAt
			}
			e.mu.Unlock()
			return agents.RunView{}, runs.ErrIdempotencyConflict
		}
	}
	return view, nil
}

// requestHash fingerprints what an Idempotency-Key promises to repeat: the
// agent, the input, the mode and the callback.
func requestHash(in input) string {
	h := sha256.New()
	for _, part := range []string{"saa-agent-start-v1", in.Agent, in.Input, in.Mode, in.CallbackURL} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// replay returns the run already started under an idempotency key's id, or
// ErrRunNotFound; a run started with another request is a conflict.
// A run another start is still creating (tracked, not yet stored) is left
// to the check that follows RunWorkflow.
func (e *Engine) replay(ctx context.Context, id, request string) (agents.RunView, error) {
	v, err := e.Get(ctx, id)
	if err != nil {
		return agents.RunView{}, agents.ErrRunNotFound
	}
	prior, ok := e.storedInput(id)
	switch {
	case !ok:
		return agents.RunView{}, agents.ErrRunNotFound
	case sameRequest(prior, request):
		return v, nil
	}
	return agents.RunView{}, runs.ErrIdempotencyConflict
}

// sameRequest reports whether prior was started with request; a run an
// older binary started under a key has no fingerprint and matches.
func sameRequest(prior input, request string) bool {
	return prior.Request == "" || prior.Request == request
}

// storedInput reads a run's workflow input back from DBOS.
func (e *Engine) storedInput(id string) (input, bool) {
	h, err := dbos.RetrieveWorkflow[agents.RunView](e.dctx, id)
	if err != nil {
		return input{}, false
	}
	st, err := h.GetStatus()
	if err != nil || st.Name != workflowName {
		return input{}, false
	}
	return inputOf(st)
}

// workflow is one run. Everything it does that must not repeat is a step.
func (e *Engine) workflow(dctx dbos.Context, in input) (agents.RunView, error) {
	e.track(in)
	cctx, cancel := dbos.WithCancel(dctx)
	defer cancel()
	e.setCancel(in.ID, cancel)
	res := e.cfg.Runner.Run(cctx, agents.Request{
		ID: in.ID, Agent: in.Agent, Input: in.Input, Principal: in.Principal, Mode: in.Mode,
		Journal: journal{cctx}, Observe: func(ev agents.Event) { e.observe(in.ID, ev) },
	})
	if dctx.Err() != nil {
		// The engine is shutting down: the workflow stays pending and is
		// recovered by the next process; nothing is reported yet.
		e.untrack(in.ID)
		return agents.RunView{}, dctx.Err()
	}
	view := e.viewOf(in)
	view.Apply(res)
	e.finish(view)
	if in.CallbackURL != "" {
		e.callback(dbos.WithoutCancel(dctx), in, view)
	}
	return view, nil
}

// journal is agents.Journal on DBOS steps.
type journal struct{ dctx dbos.Context }

func (j journal) Step(_ context.Context, name string, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	return dbos.RunAsStep(j.dctx, func(ctx context.Context) ([]byte, error) { return fn(ctx) }, dbos.WithStepName(name))
}

func (e *Engine) track(in input) agents.RunView {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.live[in.ID]; ok {
		return l.view
	}
	v := agents.RunView{
		ID: in.ID, Kind: "agent", Agent: in.Agent, ClientID: in.Principal.ClientID, Status: agents.StatusRunning,
		Steps: []agents.Step{}, PendingApprovals: []agents.Pending{}, CreatedAt: in.CreatedAt,
	}
	v.SetPrincipal(in.Principal)
	e.live[in.ID] = &liveRun{view: v}
	return v
}

// finishedTTL is how long a finished run is served from memory; DBOS has
// recorded it well before, and serves it after.
const finishedTTL = 5 * time.Minute

// finish keeps the final view in memory for a while, so that a reader
// never falls between the run's end and DBOS recording its result.
func (e *Engine) finish(v agents.RunView) {
	e.mu.Lock()
	if l, ok := e.live[v.ID]; ok {
		l.view, l.done = v, true
	}
	e.mu.Unlock()
	time.AfterFunc(finishedTTL, func() { e.untrack(v.ID) })
}

func (e *Engine) untrack(id string) {
	e.mu.Lock()
	delete(e.live, id)
	e.mu.Unlock()
}

func (e *Engine) setCancel(id string, cancel context.CancelFunc) {
	e.mu.Lock()
	if l, ok := e.live[id]; ok {
		l.cancel = cancel
	}
	e.mu.Unlock()
}

func (e *Engine) viewOf(in input) agents.RunView {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.live[in.ID]; ok {
		return l.view
	}
	v := agents.RunView{ID: in.ID, Kind: "agent", Agent: in.Agent, CreatedAt: in.CreatedAt}
	v.SetPrincipal(in.Principal)
	return v
}

// observe keeps the live view current. Replayed steps are observed again
// after a recovery, which rebuilds the view.
func (e *Engine) observe(id string, ev agents.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.live[id]
	if !ok || l.done {
		return
	}
	v := &l.view
	switch {
	case ev.Delta != nil:
		v.AddDelta(*ev.Delta)
	case ev.Step != nil:
		v.Steps, v.Streaming = append(v.Steps, *ev.Step), nil
		if ev.Step.Usage != nil {
			v.Usage = v.Usage.Add(*ev.Step.Usage)
		}
		if ev.Step.Kind == "handoff" {
			v.Agent = strings.TrimPrefix(ev.Step.Tool, "transfer_to_")
		}
	case ev.Pending != nil:
		e.approver.Expect(id, *ev.Pending) // before anyone can see it and decide
		v.PendingApprovals = append(v.PendingApprovals, *ev.Pending)
		v.Status = agents.StatusWaitingForApproval
	case ev.Resolved != "":
		e.approver.Forget(id, ev.Resolved)
		v.PendingApprovals = slices.DeleteFunc(v.PendingApprovals, func(p agents.Pending) bool { return p.CallID == ev.Resolved })
		if len(v.PendingApprovals) == 0 {
			v.Status = agents.StatusRunning
		}
	}
}

// Get implements agents.Engine.
func (e *Engine) Get(ctx context.Context, id string) (agents.RunView, error) {
	if v, err := e.liveView(id); err == nil {
		return v, nil
	}
	if !validID(id) {
		return agents.RunView{}, agents.ErrRunNotFound
	}
	h, err := dbos.RetrieveWorkflow[agents.RunView](e.dctx, id)
	if err != nil {
		return agents.RunView{}, agents.ErrRunNotFound
	}
	st, err := h.GetStatus()
	if err != nil || st.Name != workflowName {
		return agents.RunView{}, agents.ErrRunNotFound
	}
	if st.Status != dbos.WorkflowStatusSuccess {
		// Pending and not live: between a restart and its recovery.
		v := agents.RunView{ID: id, Kind: "agent", Status: agents.StatusQueued, Steps: []agents.Step{}, PendingApprovals: []agents.Pending{}, CreatedAt: st.CreatedAt}
		v.SetPrincipal(principalOf(st))
		return v, nil
	}
	v, err := h.GetResult()
	if err != nil {
		return agents.RunView{}, fmt.Errorf("get run %s: %w", id, err)
	}
	v.SetPrincipal(principalOf(st))
	return v, nil
}

// principalOf reads the principal from a workflow's stored input.
func principalOf(st dbos.WorkflowStatus) host.Principal {
	in, _ := inputOf(st)
	return in.Principal
}

// liveView returns a copy of the run's view held in memory, or ErrRunNotFound.
func (e *Engine) liveView(id string) (agents.RunView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.live[id]
	if !ok {
		return agents.RunView{}, agents.ErrRunNotFound
	}
	v := l.view
	v.Steps = slices.Clone(v.Steps)
	v.PendingApprovals = slices.Clone(v.PendingApprovals)
	if v.Streaming != nil {
		st := *v.Streaming
		v.Streaming = &st
	}
	return v, nil
}

// inputOf reads a workflow's stored input, which DBOS hands back typed or
// decoded generically depending on how the workflow was read.
func inputOf(st dbos.WorkflowStatus) (input, bool) {
	return decodeAs[input](st.Input)
}

// decodeAs converts a value DBOS read back without its type (a JSON text,
// or a generic decoding) into T.
func decodeAs[T any](v any) (T, bool) {
	if t, ok := v.(T); ok {
		return t, true
	}
	var t T
	var raw []byte
	switch v := v.(type) {
	case nil:
		return t, false
	case string: // DBOS's JSON serialization: the value's JSON text
		raw = []byte(v)
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return t, false
		}
	}
	if json.Unmarshal(raw, &t) != nil {
		return t, false
	}
	return t, true
}

func validID(id string) bool {
	if !strings.HasPrefix(id, "run_") || len(id) > 64 {
		return false
	}
	for _, c := range id[4:] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Decide implements agents.Engine.
func (e *Engine) Decide(ctx context.Context, id, callID string, approve bool, reason, by string) error {
	if err := e.approver.Decide(id, callID, approve, reason, by); err != nil {
		return err
	}
	return nil
}

// Cancel implements agents.Engine.
func (e *Engine) Cancel(ctx context.Context, id string) error {
	e.mu.Lock()
	l, ok := e.live[id]
	var done bool
	var cancel context.CancelFunc
	if ok {
		done, cancel = l.done, l.cancel
	}
	e.mu.Unlock()
	if !ok {
		if _, err := e.Get(ctx, id); err != nil {
			return err
		}
		return agents.ErrFinished
	}
	if done {
		return agents.ErrFinished
	}
	if cancel != nil {
		cancel()
	}
	return nil
}

// List implements agents.Engine.
func (e *Engine) List(ctx context.Context) ([]agents.RunView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]agents.RunView, 0, len(e.live))
	for _, l := range e.live {
		if l.done {
			continue
		}
		v := l.view
		v.PendingApprovals = slices.Clone(v.PendingApprovals)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b agents.RunView) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
