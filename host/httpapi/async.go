package httpapi

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/runs"
)

// invokeAsync hands the invocation to the run manager and answers 202 with
// the run's location. The run is persisted before the answer, so it is never
// lost: a restart finishes it or marks it failed.
func (s *Server) invokeAsync(w http.ResponseWriter, r *http.Request, inv invocation) {
	if s.cfg.Runs == nil {
		problem.Write(w, http.StatusNotImplemented, problem.KindInternal, "asynchronous runs are not enabled")
		return
	}
	if !s.precheck(w, inv) {
		return
	}
	run, err := s.cfg.Runs.Submit(r.Context(), runs.Request{
		Principal:      inv.principal,
		Plugin:         inv.plugin,
		Action:         inv.action,
		Input:          inv.input,
		CallbackURL:    inv.callbackURL,
		IdempotencyKey: inv.idempotencyKey,
	})
	if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	info(r.Context()).run = run.ID
	h := w.Header()
	h.Set("Location", "/v1/runs/"+run.ID)
	h.Set(HeaderRunID, run.ID)
	h.Set("Preference-Applied", "respond-async")
	writeJSON(w, http.StatusAccepted, runs.ViewOf(run))
}

// precheck refuses at once what would make a run fail at its first steps:
// an unknown action (404), a token without its scopes (403) or an input the
// action's schema refuses (422).
func (s *Server) precheck(w http.ResponseWriter, inv invocation) bool {
	if err := s.rt.Check(inv.principal, inv.plugin, inv.action, inv.input); err != nil {
		s.writeInvokeError(w, err)
		return false
	}
	return true
}

// getRun serves GET /v1/runs/{id}: the run's status, result or error, and
// timings, to the client that started it only.
func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.agentRun(r); ok {
		info(r.Context()).run = v.ID
		writeJSON(w, http.StatusOK, v)
		return
	}
	if s.cfg.Runs == nil {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such run")
		return
	}
	id := chi.URLParam(r, "id")
	info(r.Context()).run = id
	run, err := s.cfg.Runs.Get(r.Context(), principal(r), id)
	if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, runs.ViewOf(run))
}

// WebhookSecret is the body of GET /admin/api/v1/webhook-secrets/{client_id}.
type WebhookSecret struct {
	ClientID string `json:"client_id"`
	// Secret verifies the client's callbacks (Standard Webhooks, "whsec_...").
	Secret string `json:"webhook_secret"`
}

// webhookSecret gives an admin the key that verifies a client's callbacks,
// to configure the client's receiver. It is derived, not stored, so it can
// be shown again; viewers may not read it.
func (s *Server) webhookSecret(w http.ResponseWriter, r *http.Request) {
	if id, _ := adminapi.IdentityFrom(r.Context()); id.Role != authstore.RoleAdmin {
		problem.Write(w, http.StatusForbidden, problem.KindForbidden, "only admins may read webhook secrets")
		return
	}
	client := chi.URLParam(r, "client_id")
	if _, err := s.cfg.Auth.Clients().Get(r.Context(), client); errors.Is(err, authstore.ErrNotFound) {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such client")
		return
	} else if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, WebhookSecret{ClientID: client, Secret: runs.Secret(s.cfg.Runs.KeyFor(client))})
}

// writeRunsError answers with the problem a run manager or idempotency error
// maps to; anything unexpected is logged and answered 500.
func (s *Server) writeRunsError(w http.ResponseWriter, r *http.Request, err error) {
	if p := runsProblem(err); p != nil {
		switch p.Status {
		case http.StatusServiceUnavailable, http.StatusConflict:
			w.Header().Set("Retry-After", "1")
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", quotaRetryAfter)
		}
		problem.WriteError(w, p)
		return
	}
	s.log.ErrorContext(r.Context(), "runs", logRequestID, requestID(r.Context()), logError, err.Error())
	problem.Write(w, http.StatusInternalServerError, problem.KindInternal, "internal error")
}

// runsErrors maps the run manager's sentinel errors to problems.
var runsErrors = []struct {
	err    error
	status int
	kind   string
	detail string
}{
	{runs.ErrNotFound, http.StatusNotFound, problem.KindNotFound, "no such run"},
	{runs.ErrInvalidKey, http.StatusBadRequest, KindInvalidIdempotencyKey, "Idempotency-Key must be 1 to 255 printable ASCII characters"},
	{runs.ErrIdempotencyConflict, http.StatusUnprocessableEntity, KindIdempotencyReused, "this Idempotency-Key was used for a different request"},
	{runs.ErrInFlight, http.StatusConflict, KindIdempotencyInFlight, "the first request with this Idempotency-Key is still in progress"},
	{runs.ErrInterrupted, http.StatusConflict, KindIdempotencyLost, "the first request with this Idempotency-Key was interrupted by a restart; its outcome is unknown, so it is not run again"},
	{runs.ErrInvalidCallback, http.StatusBadRequest, KindInvalidCallback, "Callback-Url must be an absolute http(s) URL"},
	{runs.ErrCallbacksDisabled, http.StatusBadRequest, KindInvalidCallback, "callbacks are not enabled on this server"},
	{runs.ErrIdempotencyDisabled, http.StatusBadRequest, KindInvalidIdempotencyKey, "idempotency keys are not enabled on this server"},
	{runs.ErrQueueFull, http.StatusServiceUnavailable, KindQueueFull, "too many runs are queued; retry later"},
	{runs.ErrNotRunning, http.StatusServiceUnavailable, problem.KindUnavailable, "the server is shutting down; retry later"},
	{quota.ErrExceeded, http.StatusTooManyRequests, problem.KindQuotaExceeded, "this client keeps as many idempotency records or runs as its quota allows; they free as they expire"},
}

// quotaRetryAfter is the Retry-After of a quota refusal: stored records
// leave when they expire and the hourly sweep deletes them.
const quotaRetryAfter = "3600"

func runsProblem(err error) *problem.Error {
	for _, m := range runsErrors {
		if errors.Is(err, m.err) {
			return problem.New(m.status, m.kind, m.detail)
		}
	}
	return nil
}
