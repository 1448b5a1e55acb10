package adminui

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/agents"
)

// accountApprovalsPath is where a user decides the paused calls of runs
// made on their behalf.
const accountApprovalsPath = accountPath + "/approvals"

// pendingFor returns the paused calls user may decide in person: those of
// the runs in flight that act on user's behalf (agents.CanDecide with the
// user's own principal), soonest to expire first.
func (u *UI) pendingFor(ctx context.Context, user string) ([]pausedCall, error) {
	if u.cfg.Agents == nil {
		return nil, nil
	}
	inFlight, err := u.cfg.Agents.List(ctx)
	if err != nil {
		return nil, err
	}
	p := agents.UserPrincipal(user)
	var out []pausedCall
	for _, v := range inFlight {
		if len(v.PendingApprovals) == 0 || agents.CanDecide(v, p) != nil {
			continue
		}
		for _, row := range pendingRows(v) {
			row.RunURL, row.DecideURL, row.Mine = "", accountApprovalsPath+"/"+v.ID+"/"+row.CallID, true
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b pausedCall) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	return out, nil
}

// decideMine approves or rejects a paused call of a run made on the
// signed-in user's behalf, through agents.Decide with the user's own
// principal: a run for anyone else answers as if it did not exist.
func (u *UI) decideMine(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	id, call := chi.URLParam(r, "id"), chi.URLParam(r, "call")
	back := accountPath + "#pending-approvals"
	v, err := u.cfg.Agents.Get(r.Context(), id)
	if err == nil && agents.CanDecide(v, agents.UserPrincipal(s.User)) != nil {
		u.recordDenied(r, s)
		err = agents.ErrRunNotFound
	}
	if errors.Is(err, agents.ErrRunNotFound) {
		u.fail(w, r, http.StatusNotFound, "No run made on your behalf has that call.")
		return
	}
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.decide(w, r, v, agents.UserPrincipal(s.User), call, back, "user:"+s.User)
}
