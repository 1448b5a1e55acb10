package adminui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/hostscope"
)

const runsPath = basePath + "/runs"

// runsPageSize is how many runs one page of /admin/runs lists.
const runsPageSize = 25

func (u *UI) runRoutes(r chi.Router) {
	r.Get("/", u.runsPage)
	r.Get("/{id}", u.runPage)
	r.Post("/{id}/approvals/{call}", u.decideCall)
}

// runsPage lists the calls waiting for a human, then every run, newest
// first, a page at a time.
func (u *UI) runsPage(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	inFlight, err := u.cfg.Agents.List(r.Context())
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	runs, total, err := u.cfg.Agents.History(r.Context(), agents.HistoryFilter{Offset: (page - 1) * runsPageSize, Limit: runsPageSize})
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "runs", view{Title: "Runs", Nav: "runs", Data: buildRuns(inFlight, runs, total, page)})
}

func (u *UI) runPage(w http.ResponseWriter, r *http.Request) {
	v, err := u.cfg.Agents.Get(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, agents.ErrRunNotFound) {
		u.fail(w, r, http.StatusNotFound, "There is no such run.")
		return
	}
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "run", view{Title: "Run " + v.ID, Nav: "runs", Data: buildRun(v)})
}

// decideCall approves or rejects a paused call, through the same path as
// the REST route (agents.Decide): the admin decides as a principal holding
// runs:approve that is not the run's client. The loop records the
// decision in the audit log, with the admin's name, when the call resumes.
func (u *UI) decideCall(w http.ResponseWriter, r *http.Request) {
	id, call := chi.URLParam(r, "id"), chi.URLParam(r, "call")
	back := runsPath + "/" + id
	v, err := u.cfg.Agents.Get(r.Context(), id)
	if errors.Is(err, agents.ErrRunNotFound) {
		u.fail(w, r, http.StatusNotFound, "There is no such run.")
		return
	}
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	s, _ := sessionFrom(r.Context())
	by := "user:" + s.User
	// Only admins reach here (requireAdmin): they decide any run, a run
	// made on a user's behalf included.
	p := host.Principal{ClientID: by, Subject: by, Scopes: []string{agents.ScopeApprove, hostscope.Admin}}
	u.decide(w, r, v, p, call, back, by)
}

// decide reads an approve or reject form and hands it to agents.Decide as
// p, the one path every surface decides a paused call by, then goes back.
func (u *UI) decide(w http.ResponseWriter, r *http.Request, v agents.RunView, p host.Principal, call, back, by string) {
	decision, reason := r.PostFormValue("decision"), r.PostFormValue("reason")
	if (decision != "approve" && decision != "reject") || len(reason) > 500 {
		u.redirect(w, r, back, problem("Choose approve or reject; a reason is at most 500 characters."))
		return
	}
	err := agents.Decide(r.Context(), u.cfg.Agents, v, p, call, decision == "approve", reason, by)
	switch {
	case errors.Is(err, agents.ErrNoPending), errors.Is(err, agents.ErrFinished):
		u.redirect(w, r, back, problem("That call is no longer waiting: it was decided already, expired, or the run ended."))
	case err != nil:
		u.serverError(w, r, err)
	case decision == "approve":
		u.redirect(w, r, back, done("Approved call %s; the run goes on.", call))
	default:
		u.redirect(w, r, back, done("Rejected call %s; the model is told why.", call))
	}
}
