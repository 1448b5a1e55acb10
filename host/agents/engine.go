package agents

import (
	"context"
	"errors"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/llm"
)

// Engine runs agents asynchronously and durably: a run started is
// journaled step by step, survives a crash, and is read, approved or
// canceled by id. The REST API and the CLI use it; host/agents/dbosengine
// implements it with DBOS Transact, so the engine can change behind it.
type Engine interface {
	// Start begins a run and returns it as first stored.
	Start(ctx context.Context, s StartRequest) (RunView, error)
	// Get returns a run, with its steps so far and pending approvals.
	Get(ctx context.Context, id string) (RunView, error)
	// Decide approves or rejects a paused call.
	Decide(ctx context.Context, id, callID string, approve bool, reason, by string) error
	// Cancel stops a run; a canceled run ends with status canceled.
	Cancel(ctx context.Context, id string) error
	// List returns the runs in flight (running or waiting for approval).
	List(ctx context.Context) ([]RunView, error)
	// History returns a page of runs, finished ones included, newest
	// first, and how many runs the filter selects in all.
	History(ctx context.Context, f HistoryFilter) (page []RunView, total int, err error)
}

// HistoryFilter selects the runs History returns.
type HistoryFilter struct {
	// ClientID, if set, keeps only the runs that client started.
	ClientID string
	// Offset skips that many runs; Limit bounds the page (1..MaxHistoryPage,
	// MaxHistoryPage when out of range).
	Offset, Limit int
}

// MaxHistoryPage bounds one page of History.
const MaxHistoryPage = 100

// StartRequest asks an Engine for a run.
type StartRequest struct {
	Request
	// CallbackURL, if set, receives the finished run, signed.
	CallbackURL string
	// IdempotencyKey makes a repeat of the same start return the first run;
	// the same key with another agent, input, mode or callback is refused
	// with runs.ErrIdempotencyConflict.
	IdempotencyKey string
}

// RunView is a run as its client sees it: the body of GET /v1/runs/{id}
// for agent runs, and of the callback.
type RunView struct {
	ID               string     `json:"id"`
	Kind             string     `json:"kind"` // always "agent"
	Agent            string     `json:"agent"`
	ClientID         string     `json:"-"`
	Status           string     `json:"status"`
	Output           string     `json:"output,omitempty"`
	Error            *RunError  `json:"error,omitempty"`
	Usage            llm.Usage  `json:"usage"`
	Steps            []Step     `json:"steps"`
	PendingApprovals []Pending  `json:"pending_approvals"`
	CreatedAt        time.Time  `json:"created_at"`
	FinishedAt       *time.Time `json:"finished_at,omitempty"`

	// Subject and Actors complete the principal the run acts for (ClientID
	// is its client): who may decide its calls depends on them.
	Subject string   `json:"-"`
	Actors  []string `json:"-"`

	// Streaming is the text of the model call in flight, for the event
	// stream; it is not part of the stored run.
	Streaming *Streaming `json:"-"`
}

// SetPrincipal records p as the principal v runs for.
func (v *RunView) SetPrincipal(p host.Principal) {
	v.ClientID, v.Subject, v.Actors = p.ClientID, p.Subject, p.Actors
}

// Streaming is the text a model call has written so far.
type Streaming struct {
	// Step is the index the call's step will have.
	Step  int
	Agent string
	Text  string
}

// MaxStreaming bounds the text a run keeps of the call in flight.
const MaxStreaming = 1 << 20

// AddDelta folds a delta of the call in flight into v.Streaming.
func (v *RunView) AddDelta(d Delta) {
	if v.Streaming == nil || v.Streaming.Step != len(v.Steps) {
		v.Streaming = &Streaming{Step: len(v.Steps), Agent: d.Agent}
	}
	if len(v.Streaming.Text)+len(d.Text) <= MaxStreaming {
		v.Streaming.Text += d.Text
	}
}

// RunError says why a run failed.
type RunError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// ErrRunNotFound means no run has that id (or it is not the caller's).
var ErrRunNotFound = errors.New("no such run")

// ErrFinished means the run has already ended.
var ErrFinished = errors.New("run already finished")

// Apply folds a finished Result into v.
func (v *RunView) Apply(res Result) {
	v.Status, v.Output, v.Usage, v.Steps, v.Agent = res.Status, res.Output, res.Usage, res.Steps, res.Agent
	if res.ErrorKind != "" && res.Status != StatusSucceeded {
		v.Error = &RunError{Kind: res.ErrorKind, Message: res.ErrorMessage}
	}
	now := time.Now().UTC()
	v.FinishedAt, v.PendingApprovals, v.Streaming = &now, []Pending{}, nil
}
