package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/runs"
)

// AgentRuns is what the agent routes need: the definitions and the engine.
type AgentRuns struct {
	// Agents are the definitions, unless Catalog is set.
	Agents agents.Set
	// Catalog, if set, supplies the current definitions (files and those
	// managed through the admin API).
	Catalog *agents.Catalog
	Engine  agents.Engine
}

// Definitions returns the definitions new runs use.
func (a *AgentRuns) Definitions() agents.Set {
	if a.Catalog != nil {
		return a.Catalog.Set()
	}
	return a.Agents
}

// agentRoutes mounts the agent endpoints under /v1 when agents are enabled.
func (s *Server) agentRoutes(r chi.Router) {
	if s.cfg.Agents == nil {
		return
	}
	r.Get("/agents", s.listAgents)
	r.Post("/agents/{name}/runs", s.startAgentRun)
	r.Post("/runs/{id}/cancel", s.cancelAgentRun)
	r.Get("/runs/{id}/events", s.runEvents)
	r.Post("/runs/{id}/approvals/{call_id}", s.decideApproval)
}

// listAgents serves GET /v1/agents: the agents the token may run.
func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"agents": s.cfg.Agents.Definitions().Runnable(principal(r))})
}

// startBody is the body of POST /v1/agents/{name}/runs.
type startBody struct {
	// Input is text, or any JSON value (passed to the agent as its JSON text).
	Input json.RawMessage `json:"input"`
	Mode  string          `json:"mode"`
}

// startAgentRun serves POST /v1/agents/{name}/runs: 202 and the run's location.
func (s *Server) startAgentRun(w http.ResponseWriter, r *http.Request) {
	p, name := principal(r), chi.URLParam(r, "name")
	if s.cfg.Agents.Definitions()[name] == nil {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such agent")
		return
	}
	if !p.HasScope(agents.ScopeRunPrefix + name) {
		s.verifier.Forbid(w, agents.ScopeRunPrefix+name)
		return
	}
	body, perr := s.startBody(w, r)
	if perr != nil {
		problem.WriteError(w, perr)
		return
	}
	if body.Mode == agents.ModeContinuous && !p.HasScope(agents.ScopeContinuous) {
		s.verifier.Forbid(w, agents.ScopeContinuous)
		return
	}
	callback := r.Header.Get(HeaderCallbackURL)
	if callback != "" {
		if _, err := CheckCallbackURL(callback); err != nil {
			s.writeRunsError(w, r, runs.ErrInvalidCallback)
			return
		}
	}
	v, err := s.cfg.Agents.Engine.Start(r.Context(), agents.StartRequest{
		Request:     agents.Request{Agent: name, Input: inputText(body.Input), Principal: p, Mode: body.Mode},
		CallbackURL: callback, IdempotencyKey: r.Header.Get(HeaderIdempotencyKey),
	})
	if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	info(r.Context()).run = v.ID
	w.Header().Set("Location", "/v1/runs/"+v.ID)
	w.Header().Set(HeaderRunID, v.ID)
	writeJSON(w, http.StatusAccepted, clientView(v))
}

// clientView is v as clients read it: lists are [] rather than null when
// empty, as the OpenAPI document says.
func clientView(v agents.RunView) agents.RunView {
	v.Steps = nonNil(v.Steps)
	v.PendingApprovals = nonNil(slices.Clone(v.PendingApprovals)) // not the engine's copy
	for i := range v.PendingApprovals {
		v.PendingApprovals[i].Scopes = nonNil(v.PendingApprovals[i].Scopes)
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) startBody(w http.ResponseWriter, r *http.Request) (startBody, *problem.Error) {
	raw, perr := s.readInput(w, r)
	if perr != nil {
		return startBody{}, perr
	}
	var b startBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || len(b.Input) == 0 {
		return b, problem.New(http.StatusBadRequest, KindInvalidJSON, `the body must be {"input": <text or JSON>, "mode": "manual"|"continuous"}`)
	}
	switch b.Mode {
	case "", agents.ModeManual, agents.ModeContinuous:
	default:
		return b, problem.New(http.StatusBadRequest, problem.KindBadRequest, "mode must be manual or continuous")
	}
	return b, nil
}

// inputText passes a JSON string as its text and any other JSON as itself.
func inputText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// agentRun returns the agent run id if p may read it; ok is false when id
// is not an agent run (the caller falls back to action runs).
func (s *Server) agentRun(r *http.Request) (agents.RunView, bool) {
	if s.cfg.Agents == nil {
		return agents.RunView{}, false
	}
	v, err := s.cfg.Agents.Engine.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil || !agents.CanRead(v, principal(r)) {
		return agents.RunView{}, false
	}
	return clientView(v), true
}

// cancelAgentRun serves POST /v1/runs/{id}/cancel.
func (s *Server) cancelAgentRun(w http.ResponseWriter, r *http.Request) {
	v, ok := s.agentRun(r)
	if !ok {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such run")
		return
	}
	if err := s.cfg.Agents.Engine.Cancel(r.Context(), v.ID); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": v.ID, "status": "canceling"})
}

// decisionBody is the body of POST /v1/runs/{id}/approvals/{call_id}.
type decisionBody struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// decideApproval serves POST /v1/runs/{id}/approvals/{call_id}: needs
// runs:approve, never from the client running the agent.
func (s *Server) decideApproval(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.HasScope(agents.ScopeApprove) {
		s.verifier.Forbid(w, agents.ScopeApprove)
		return
	}
	v, ok := s.agentRun(r)
	if !ok {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such run")
		return
	}
	var b decisionBody
	raw, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if json.Unmarshal(raw, &b) != nil || (b.Decision != "approve" && b.Decision != "reject") {
		problem.Write(w, http.StatusBadRequest, KindInvalidJSON, `the body must be {"decision": "approve"|"reject", "reason": "..."}`)
		return
	}
	if err := agents.Decide(r.Context(), s.cfg.Agents.Engine, v, p, chi.URLParam(r, "call_id"), b.Decision == "approve", b.Reason, p.ClientID); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": v.ID, "call_id": chi.URLParam(r, "call_id"), "decision": b.Decision})
}

// writeAgentError maps the agents' errors to problems.
func (s *Server) writeAgentError(w http.ResponseWriter, r *http.Request, err error) {
	var scope *host.ScopeError
	switch {
	case errors.As(err, &scope):
		s.verifier.Forbid(w, scope.Missing...)
	case errors.Is(err, agents.ErrSelfApproval), errors.Is(err, agents.ErrDelegatedApproval), errors.Is(err, agents.ErrNotTheUser):
		problem.Write(w, http.StatusForbidden, problem.KindForbidden, err.Error())
	case errors.Is(err, agents.ErrNoPending):
		problem.Write(w, http.StatusConflict, problem.KindConflict, "no such paused call: it was decided already, or never paused")
	case errors.Is(err, agents.ErrFinished):
		problem.Write(w, http.StatusConflict, problem.KindConflict, "the run has already finished")
	case errors.Is(err, agents.ErrRunNotFound):
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such run")
	default:
		s.writeRunsError(w, r, err)
	}
}
