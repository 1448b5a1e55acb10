package dbosengine

import (
	"context"
	"fmt"

	"github.com/dbos-inc/dbos-transact-golang/dbos"

	"github.com/secure-agent/saa/host/agents"
)

// History implements agents.Engine. The client filter is DBOS's
// authenticated user, which Start records; runs started by a binary that
// did not record it are listed only unfiltered.
func (e *Engine) History(ctx context.Context, f agents.HistoryFilter) ([]agents.RunView, int, error) {
	if f.Limit <= 0 || f.Limit > agents.MaxHistoryPage {
		f.Limit = agents.MaxHistoryPage
	}
	f.Offset = max(f.Offset, 0)
	filter := []dbos.ListWorkflowsOption{dbos.WithFilterName(workflowName)}
	if f.ClientID != "" {
		filter = append(filter, dbos.WithFilterUser(f.ClientID))
	}
	all, err := dbos.ListWorkflows(e.dctx, append(filter, dbos.WithFilterLoadInput(false), dbos.WithFilterLoadOutput(false))...)
	if err != nil {
		return nil, 0, fmt.Errorf("count runs: %w", err)
	}
	if f.Offset >= len(all) {
		return []agents.RunView{}, len(all), nil
	}
	page, err := dbos.ListWorkflows(e.dctx, append(filter, dbos.WithFilterSortDesc(),
		dbos.WithFilterOffset(f.Offset), dbos.WithFilterLimit(f.Limit),
		dbos.WithFilterLoadInput(true), dbos.WithFilterLoadOutput(true))...)
	if err != nil {
		return nil, 0, fmt.Errorf("list runs: %w", err)
	}
	out := make([]agents.RunView, 0, len(page))
	for _, st := range page {
		out = append(out, e.viewOfStatus(ctx, st))
	}
	return out, len(all), nil
}

// viewOfStatus is a listed workflow as a run: the live view while it runs,
// its recorded result once it ended, queued between a restart and its
// recovery.
func (e *Engine) viewOfStatus(ctx context.Context, st dbos.WorkflowStatus) agents.RunView {
	if v, err := e.liveView(st.ID); err == nil {
		return v
	}
	in, _ := inputOf(st)
	if st.Status == dbos.WorkflowStatusSuccess {
		if v, ok := decodeAs[agents.RunView](st.Output); ok && v.ID != "" {
			v.ClientID = in.Principal.ClientID
			return v
		}
	}
	v := agents.RunView{
		ID: st.ID, Kind: "agent", Agent: in.Agent, ClientID: in.Principal.ClientID, Status: agents.StatusQueued,
		Steps: []agents.Step{}, PendingApprovals: []agents.Pending{}, CreatedAt: st.CreatedAt,
	}
	if st.Status == dbos.WorkflowStatusError || st.Status == dbos.WorkflowStatusCancelled {
		v.Status = agents.StatusFailed
		v.Error = &agents.RunError{Kind: agents.KindInterrupted, Message: "the run's workflow ended without a result"}
	}
	return v
}
