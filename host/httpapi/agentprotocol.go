package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/problem"
)

// KindNotImplemented answers an Agent Protocol operation SAA does not offer.
const KindNotImplemented = "not-implemented"

// apStateStep is the id of the step that shows a task's run as it stands:
// its status, output, error and paused calls. Journaled steps are 1..n.
const apStateStep = "run"

// apRoutes mounts the Agent Protocol (agentprotocol.ai) under /ap/v1/agent
// as a thin view of the agent runs: a task is a run, its steps are the
// run's steps. Authentication, scopes and isolation are those of /v1.
func (s *Server) apRoutes(r chi.Router) {
	r.Post("/tasks", s.apCreateTask)
	r.Get("/tasks", s.apListTasks)
	r.Get("/tasks/{id}", s.apGetTask)
	r.Get("/tasks/{id}/steps", s.apListSteps)
	r.Post("/tasks/{id}/steps", s.apExecuteStep)
	r.Get("/tasks/{id}/steps/{step_id}", s.apGetStep)
	r.Get("/tasks/{id}/artifacts", s.apListArtifacts)
	r.Post("/tasks/{id}/artifacts", func(w http.ResponseWriter, _ *http.Request) {
		problem.Write(w, http.StatusNotImplemented, KindNotImplemented, "agents produce no artifacts and take no uploads")
	})
}

// apBody is the body of a task or step request.
type apBody struct {
	Input           *string        `json:"input"`
	AdditionalInput map[string]any `json:"additional_input"`
}

// apTask is a run as the Agent Protocol's Task.
type apTask struct {
	TaskID          string         `json:"task_id"`
	AdditionalInput map[string]any `json:"additional_input"`
	Artifacts       []struct{}     `json:"artifacts"`
}

// apStep is a run's step as the Agent Protocol's Step; SAA's own states,
// which the protocol lacks, are in AdditionalOutput.
type apStep struct {
	TaskID           string     `json:"task_id"`
	StepID           string     `json:"step_id"`
	Name             string     `json:"name"`
	Status           string     `json:"status"`
	Output           string     `json:"output"`
	AdditionalOutput any        `json:"additional_output"`
	Artifacts        []struct{} `json:"artifacts"`
	IsLast           bool       `json:"is_last"`
}

// apPagination is the protocol's Pagination.
type apPagination struct {
	TotalItems  int `json:"total_items"`
	TotalPages  int `json:"total_pages"`
	CurrentPage int `json:"current_page"`
	PageSize    int `json:"page_size"`
}

func taskOf(v agents.RunView) apTask {
	return apTask{TaskID: v.ID, AdditionalInput: map[string]any{"agent": v.Agent}, Artifacts: []struct{}{}}
}

// stepsOf lists v's journaled steps, then the step showing the run itself.
func stepsOf(v agents.RunView) []apStep {
	out := make([]apStep, 0, len(v.Steps)+1)
	for i, st := range v.Steps {
		name := st.Kind
		if st.Tool != "" {
			name += " " + st.Tool
		}
		out = append(out, apStep{TaskID: v.ID, StepID: strconv.Itoa(i + 1), Name: name, Status: "completed",
			Output: st.Error, AdditionalOutput: st, Artifacts: []struct{}{}})
	}
	return append(out, stateStep(v))
}

// stateStep is the run as a step: completed and last once the run ended.
func stateStep(v agents.RunView) apStep {
	done := v.FinishedAt != nil
	status := "running"
	switch {
	case done:
		status = "completed"
	case v.Status == agents.StatusQueued:
		status = "created"
	}
	out := map[string]any{"status": v.Status, "usage": v.Usage, "pending_approvals": v.PendingApprovals}
	if v.Error != nil {
		out["error"] = v.Error
	}
	return apStep{TaskID: v.ID, StepID: apStateStep, Name: "run", Status: status, Output: v.Output,
		AdditionalOutput: out, Artifacts: []struct{}{}, IsLast: done}
}

// apCreateTask serves POST /ap/v1/agent/tasks: starts a run of
// additional_input.agent with input, as POST /v1/agents/{name}/runs does.
func (s *Server) apCreateTask(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apBody(w, r)
	if !ok {
		return
	}
	name, _ := b.AdditionalInput["agent"].(string)
	if name == "" {
		problem.Write(w, http.StatusUnprocessableEntity, problem.KindBadRequest, "additional_input.agent must name the agent to run")
		return
	}
	p := principal(r)
	if s.cfg.Agents.Definitions()[name] == nil {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such agent")
		return
	}
	if !p.HasScope(agents.ScopeRunPrefix + name) {
		s.verifier.Forbid(w, agents.ScopeRunPrefix+name)
		return
	}
	in := ""
	if b.Input != nil {
		in = *b.Input
	}
	v, err := s.cfg.Agents.Engine.Start(r.Context(), agents.StartRequest{Request: agents.Request{Agent: name, Input: in, Principal: p}})
	if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	info(r.Context()).run = v.ID
	writeJSON(w, http.StatusOK, taskOf(v))
}

// apBody reads a task or step body: JSON with input a string or null.
func (s *Server) apBody(w http.ResponseWriter, r *http.Request) (apBody, bool) {
	var b apBody
	raw, perr := s.readInput(w, r)
	if perr != nil {
		problem.WriteError(w, perr)
		return b, false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, true
	}
	if json.Unmarshal(raw, &b) != nil {
		problem.Write(w, http.StatusUnprocessableEntity, KindInvalidJSON, `the body must be {"input": "...", "additional_input": {...}}`)
		return b, false
	}
	return b, true
}

// apListTasks serves GET /ap/v1/agent/tasks: the caller's runs, finished
// ones included, newest first.
func (s *Server) apListTasks(w http.ResponseWriter, r *http.Request) {
	page, size, ok := pageOf(w, r)
	if !ok {
		return
	}
	items, total, err := s.cfg.Agents.Engine.History(r.Context(), agents.HistoryFilter{
		ClientID: principal(r).ClientID, Offset: (page - 1) * size, Limit: size,
	})
	if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	tasks := make([]apTask, 0, len(items))
	for _, v := range items {
		tasks = append(tasks, taskOf(v))
	}
	pg := apPagination{TotalItems: total, TotalPages: (total + size - 1) / size, CurrentPage: page, PageSize: size}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": tasks, "pagination": pg})
}

// apGetTask serves GET /ap/v1/agent/tasks/{id}.
func (s *Server) apGetTask(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.apRun(w, r); ok {
		writeJSON(w, http.StatusOK, taskOf(v))
	}
}

// apRun is the task's run if the caller may read it, else a 404 answered.
func (s *Server) apRun(w http.ResponseWriter, r *http.Request) (agents.RunView, bool) {
	v, ok := s.agentRun(r)
	if !ok {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such task")
	}
	return v, ok
}

// apListSteps serves GET /ap/v1/agent/tasks/{id}/steps.
func (s *Server) apListSteps(w http.ResponseWriter, r *http.Request) {
	page, size, ok := pageOf(w, r)
	if !ok {
		return
	}
	v, ok := s.apRun(w, r)
	if !ok {
		return
	}
	items, pg := paginate(stepsOf(v), page, size)
	writeJSON(w, http.StatusOK, map[string]any{"steps": items, "pagination": pg})
}

// apGetStep serves GET /ap/v1/agent/tasks/{id}/steps/{step_id}.
func (s *Server) apGetStep(w http.ResponseWriter, r *http.Request) {
	v, ok := s.apRun(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "step_id")
	for _, st := range stepsOf(v) {
		if st.StepID == id {
			writeJSON(w, http.StatusOK, st)
			return
		}
	}
	problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such step")
}

// apListArtifacts serves GET /ap/v1/agent/tasks/{id}/artifacts: always
// empty, as agents write no files.
func (s *Server) apListArtifacts(w http.ResponseWriter, r *http.Request) {
	page, size, ok := pageOf(w, r)
	if !ok {
		return
	}
	if _, ok := s.apRun(w, r); ok {
		_, pg := paginate([]struct{}{}, page, size)
		writeJSON(w, http.StatusOK, map[string]any{"artifacts": []struct{}{}, "pagination": pg})
	}
}

// apExecuteStep serves POST /ap/v1/agent/tasks/{id}/steps. Runs go on by
// themselves, so a step without input only reports the run; a run waiting
// for approval takes "approve" or "reject: reason", under the same rules
// as POST /v1/runs/{id}/approvals/{call_id}.
func (s *Server) apExecuteStep(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apBody(w, r)
	if !ok {
		return
	}
	v, ok := s.apRun(w, r)
	if !ok {
		return
	}
	if b.Input == nil || strings.TrimSpace(*b.Input) == "" {
		writeJSON(w, http.StatusOK, stateStep(v))
		return
	}
	if v.Status != agents.StatusWaitingForApproval || len(v.PendingApprovals) == 0 {
		problem.Write(w, http.StatusConflict, problem.KindConflict, "the task takes no input now: it is "+v.Status)
		return
	}
	approve, reason, ok := parseDecision(*b.Input)
	if !ok {
		problem.Write(w, http.StatusUnprocessableEntity, problem.KindBadRequest, `a step's input must be "approve" or "reject: reason"`)
		return
	}
	p := principal(r)
	if !p.HasScope(agents.ScopeApprove) {
		s.verifier.Forbid(w, agents.ScopeApprove)
		return
	}
	call := v.PendingApprovals[0].CallID
	if id, _ := b.AdditionalInput["call_id"].(string); id != "" {
		call = id
	}
	if err := agents.Decide(r.Context(), s.cfg.Agents.Engine, v, p, call, approve, reason, p.ClientID); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	if now, err := s.cfg.Agents.Engine.Get(r.Context(), v.ID); err == nil {
		v = clientView(now)
	}
	writeJSON(w, http.StatusOK, stateStep(v))
}

// parseDecision reads "approve", "reject" or "reject: reason".
func parseDecision(in string) (approve bool, reason string, ok bool) {
	in = strings.TrimSpace(in)
	if in == "approve" {
		return true, "", true
	}
	rest, found := strings.CutPrefix(in, "reject")
	if !found {
		return false, "", false
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return false, "", true
	}
	reason, found = strings.CutPrefix(rest, ":")
	if !found {
		return false, "", false
	}
	return false, strings.TrimSpace(reason), true
}

// apMaxPageSize bounds page_size.
const apMaxPageSize = 100

// pageOf reads current_page (default 1) and page_size (default 10).
func pageOf(w http.ResponseWriter, r *http.Request) (page, size int, ok bool) {
	num := func(name string, def int) int {
		raw := r.URL.Query().Get(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return -1
		}
		return n
	}
	page, size = num("current_page", 1), num("page_size", 10)
	if page < 1 || size < 1 || size > apMaxPageSize {
		problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, "current_page must be ≥ 1 and page_size 1 to 100")
		return 0, 0, false
	}
	return page, size, true
}

// paginate returns page (1-based) of items, size a page.
func paginate[T any](items []T, page, size int) ([]T, apPagination) {
	pg := apPagination{TotalItems: len(items), TotalPages: (len(items) + size - 1) / size, CurrentPage: page, PageSize: size}
	start := min((page-1)*size, len(items))
	return nonNil(items[start:min(start+size, len(items))]), pg
}
