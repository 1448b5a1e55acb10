package runs

import (
	"encoding/json"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// Run is an asynchronous run as stored.
type Run = runstore.Run

// Status is where a run is in its life.
type Status = runstore.Status

// The run statuses.
const (
	StatusQueued    = runstore.StatusQueued
	StatusRunning   = runstore.StatusRunning
	StatusSucceeded = runstore.StatusSucceeded
	StatusFailed    = runstore.StatusFailed
)

// View is a run as its client sees it: the body of GET /v1/runs/{id}, and
// (without Callback) of the callback POST.
type View struct {
	ID         string          `json:"id"`
	Status     Status          `json:"status"`
	Plugin     string          `json:"plugin"`
	Action     string          `json:"action"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      *ErrorView      `json:"error,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
	Callback   *CallbackView   `json:"callback,omitempty"`
}

// ErrorView says why a run failed.
type ErrorView struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// DeliveryWaiting is how a view names the state of a callback whose run has
// not finished: nothing is due yet. The store keeps it as DeliveryNone.
const DeliveryWaiting runstore.DeliveryState = "waiting"

// CallbackView is how a run's callback delivery is going.
type CallbackView struct {
	URL           string                 `json:"url"`
	State         runstore.DeliveryState `json:"state"`
	Attempts      int                    `json:"attempts"`
	NextAttemptAt time.Time              `json:"next_attempt_at,omitzero"`
	LastStatus    int                    `json:"last_status,omitempty"`
	LastError     string                 `json:"last_error,omitempty"`
	DeliveredAt   time.Time              `json:"delivered_at,omitzero"`
}

// ViewOf returns r as its client sees it. It never includes the input.
func ViewOf(r Run) View {
	v := View{
		ID: r.ID, Status: r.Status, Plugin: r.Plugin, Action: r.Action,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
	}
	if r.Status == StatusSucceeded && json.Valid(r.Output) {
		v.Output = json.RawMessage(r.Output)
	}
	if r.Status == StatusFailed {
		v.Error = &ErrorView{Kind: r.ErrorKind, Message: r.ErrorMessage}
	}
	if c := r.Callback; c.URL != "" {
		if c.State == runstore.DeliveryNone {
			c.State = DeliveryWaiting
		}
		v.Callback = &CallbackView{
			URL: c.URL, State: c.State, Attempts: c.Attempts, NextAttemptAt: c.NextAttemptAt,
			LastStatus: c.LastStatus, LastError: c.LastError, DeliveredAt: c.DeliveredAt,
		}
	}
	return v
}
