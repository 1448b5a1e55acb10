package agents

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/llm"
)

// Run statuses.
const (
	StatusQueued             = "queued"
	StatusRunning            = "running"
	StatusWaitingForApproval = "waiting_for_approval"
	StatusSucceeded          = "succeeded"
	StatusFailed             = "failed"
	StatusCanceled           = "canceled"
)

// Error kinds of a failed run.
const (
	KindBudget      = "budget_exceeded" // turns, tool calls, tokens or time ran out
	KindLLM         = "llm_failed"      // the model could not be called
	KindFiltered    = "content_filter"  // the provider withheld the answer
	KindRefused     = "refused"         // the model declined the task
	KindInvalid     = "invalid_request" // unknown agent, principal may not run it
	KindInterrupted = "interrupted"     // the process stopped mid-run
	KindCanceled    = "canceled"
)

// Modes of a run.
const (
	ModeManual     = "manual"     // calls the approval policy selects pause
	ModeContinuous = "continuous" // no pause, if the principal holds ScopeContinuous
)

// Runner runs agents. Set its fields, then call Run; it is safe for
// concurrent runs.
type Runner struct {
	// Agents are the definitions runs may use, unless Catalog is set.
	Agents Set
	// Catalog, if set, supplies the definitions instead of Agents, read
	// once per run so that changes reach the runs started after them.
	Catalog *Catalog
	// Models returns the model of a provider name.
	Models func(provider string) (llm.ChatModel, error)
	// Invoker runs plugin actions.
	Invoker Invoker
	// Approver delivers decisions on paused calls; nil refuses every call
	// that needs one (with a tool error the model sees).
	Approver Approver
	// ApprovalTTL is how long a paused call waits; default DefaultApprovalTTL.
	ApprovalTTL time.Duration
	// Audit, if set, records every approval decision, human or automatic
	// (continuous mode), as an admin entry naming the call.
	Audit *audit.Log
	// Logger receives the runner's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Request asks for one run.
type Request struct {
	// ID names the run (approvals, journal); empty means a new random id.
	ID        string
	Agent     string
	Input     string
	Principal host.Principal
	Mode      string
	// Journal makes steps durable; nil runs them directly.
	Journal Journal
	// Observe, if set, is told of every step and pause as it happens.
	Observe func(Event)
}

// Result is how a run ended.
type Result struct {
	ID           string    `json:"id"`
	Status       string    `json:"status"`
	Agent        string    `json:"agent"`
	Output       string    `json:"output,omitempty"`
	ErrorKind    string    `json:"error_kind,omitempty"`
	ErrorMessage string    `json:"error,omitempty"`
	Usage        llm.Usage `json:"usage"`
	Steps        []Step    `json:"steps"`
}

// Step is one thing a run did.
type Step struct {
	// Kind is "llm", "tool", "handoff", "agent" or "approval".
	Kind   string `json:"kind"`
	Agent  string `json:"agent"`
	Tool   string `json:"tool,omitempty"`
	CallID string `json:"call_id,omitempty"`
	// Status is "ok", "error", "rejected", "approved", "auto_approved" or
	// "interrupted".
	Status string     `json:"status"`
	Error  string     `json:"error,omitempty"`
	Usage  *llm.Usage `json:"usage,omitempty"`
	At     time.Time  `json:"at"`
}

// Event is a step done, a call paused or a piece of a model's answer, for
// observers.
type Event struct {
	Step    *Step    `json:"step,omitempty"`
	Pending *Pending `json:"pending,omitempty"`
	// Delta is text of the model call in flight, as it arrives; the call's
	// step follows once the answer is whole. Replays send none.
	Delta *Delta `json:"delta,omitempty"`
	// Resolved names a paused call that was decided.
	Resolved string `json:"resolved,omitempty"`
}

// Delta is text a model is writing, as it arrives: untrusted model output.
type Delta struct {
	Agent string `json:"agent"`
	Text  string `json:"text"`
}

// runErr ends a run with a kind.
type runErr struct{ kind, msg string }

func (e *runErr) Error() string { return e.kind + ": " + e.msg }

// run is the state of one run.
type run struct {
	r       *Runner
	req     Request
	journal Journal
	log     *slog.Logger

	mu     sync.Mutex
	res    Result
	budget *budget
	nonces map[string]bool // approval nonces used
	// handles are the handles this run's tool outputs became: the only
	// ones its rag tools answer for.
	handles map[string]bool
}

// Run runs req to its end: an answer, a failure, a budget spent or ctx
// ending. Paused calls wait inside Run for the Approver.
func (r *Runner) Run(ctx context.Context, req Request) Result {
	if req.ID == "" {
		req.ID = newNonce()
	}
	if r.Catalog != nil {
		snap := *r // this run's view of the definitions, fixed at its start
		snap.Agents, snap.Catalog = r.Catalog.Set(), nil
		r = &snap
	}
	ru := &run{r: r, req: req, journal: req.Journal, nonces: map[string]bool{}, handles: map[string]bool{}, log: r.logger().With("run_id", req.ID)}
	if ru.journal == nil {
		ru.journal = Direct{}
	}
	ru.res = Result{ID: req.ID, Agent: req.Agent, Steps: []Step{}}
	d := r.Agents[req.Agent]
	switch {
	case d == nil:
		return ru.fail(KindInvalid, fmt.Sprintf("no agent %q", req.Agent))
	case !req.Principal.HasScope(ScopeRunPrefix + d.Name):
		return ru.fail(KindInvalid, "the principal may not run agent "+d.Name+" (needs scope "+ScopeRunPrefix+d.Name+")")
	}
	ru.budget = newBudget(d.Limits)
	var out string
	var err error
	if d.Workflow != nil {
		out, err = ru.workflow(ctx, d, req.Principal, req.Input)
	} else {
		out, err = ru.converse(ctx, d, req.Principal, req.Input, true)
	}
	if err != nil {
		var re *runErr
		switch {
		case errors.As(err, &re):
			return ru.fail(re.kind, re.msg)
		case ctx.Err() != nil:
			return ru.fail(KindCanceled, "the run was canceled")
		}
		return ru.fail(KindLLM, err.Error())
	}
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.res.Status, ru.res.Output = StatusSucceeded, out
	return ru.snapshot()
}

// Definitions returns the definitions a run started now would use.
func (r *Runner) Definitions() Set {
	if r.Catalog != nil {
		return r.Catalog.Set()
	}
	return r.Agents
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger.With("component", "agents")
	}
	return slog.Default().With("component", "agents")
}

func (ru *run) fail(kind, msg string) Result {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.res.Status, ru.res.ErrorKind, ru.res.ErrorMessage = StatusFailed, kind, msg
	if kind == KindCanceled {
		ru.res.Status = StatusCanceled
	}
	ru.log.Info("run ended", "status", ru.res.Status, "error_kind", kind)
	return ru.snapshot()
}

func (ru *run) snapshot() Result {
	res := ru.res
	res.Steps = append([]Step(nil), ru.res.Steps...)
	return res
}

// record appends a step and tells the observer.
func (ru *run) record(s Step) {
	s.At = time.Now().UTC()
	ru.mu.Lock()
	ru.res.Steps = append(ru.res.Steps, s)
	ru.mu.Unlock()
	if ru.req.Observe != nil {
		ru.req.Observe(Event{Step: &s})
	}
}

func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
