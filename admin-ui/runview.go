package adminui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/secure-agent/saa/host/agents"
)

// runsData is the model of /admin/runs.
type runsData struct {
	// Waiting are the calls paused for a human, oldest first.
	Waiting []pausedCall
	Runs    []runRow
	Total   int
	Page    int
	// Newer and Older link the neighbouring pages ("" at the ends).
	Newer, Older string
}

// runRow is one run in the list.
type runRow struct {
	ID, Agent, Client, Status, StatusClass string
	Started, Finished                      time.Time
	Usage                                  string
	Waiting                                int
}

// pausedCall is one paused call, in full: what the model asked for and
// what the action may do.
type pausedCall struct {
	RunID, RunAgent, Client string
	agents.Pending
	// ArgumentsJSON is the arguments indented for reading.
	ArgumentsJSON string
	Expired       bool
	// RunURL links the run's page ("" where the reader has none);
	// DecideURL is where the decision forms post.
	RunURL, DecideURL string
	// Mine marks a call of a run made on the reader's own behalf, which
	// they decide whatever their role.
	Mine bool
}

// runData is the model of /admin/runs/{id}.
type runData struct {
	runRow
	Output  string
	Error   *agents.RunError
	Steps   []agents.Step
	Pending []pausedCall
}

func buildRuns(inFlight, page []agents.RunView, total, n int) runsData {
	d := runsData{Total: total, Page: n, Runs: make([]runRow, 0, len(page)), Waiting: []pausedCall{}}
	for _, v := range inFlight {
		d.Waiting = append(d.Waiting, pendingRows(v)...)
	}
	slices.SortFunc(d.Waiting, func(a, b pausedCall) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	for _, v := range page {
		d.Runs = append(d.Runs, rowOf(v))
	}
	if n > 1 {
		d.Newer = fmt.Sprintf("%s?page=%d", runsPath, n-1)
	}
	if n*runsPageSize < total {
		d.Older = fmt.Sprintf("%s?page=%d", runsPath, n+1)
	}
	return d
}

func buildRun(v agents.RunView) runData {
	return runData{runRow: rowOf(v), Output: v.Output, Error: v.Error, Steps: v.Steps, Pending: pendingRows(v)}
}

func rowOf(v agents.RunView) runRow {
	row := runRow{
		ID: v.ID, Agent: v.Agent, Client: v.ClientID, Status: v.Status, StatusClass: runStatusClass(v.Status),
		Started: v.CreatedAt, Waiting: len(v.PendingApprovals),
		Usage: fmt.Sprintf("%d model calls, %d tokens", v.Usage.Calls, v.Usage.TotalTokens),
	}
	if v.FinishedAt != nil {
		row.Finished = *v.FinishedAt
	}
	return row
}

func pendingRows(v agents.RunView) []pausedCall {
	out := make([]pausedCall, 0, len(v.PendingApprovals))
	for _, p := range v.PendingApprovals {
		out = append(out, pausedCall{RunID: v.ID, RunAgent: v.Agent, Client: v.ClientID, Pending: p,
			ArgumentsJSON: indentJSON(p.Arguments), Expired: time.Now().After(p.ExpiresAt),
			RunURL: runsPath + "/" + v.ID, DecideURL: runsPath + "/" + v.ID + "/approvals/" + p.CallID})
	}
	return out
}

// indentJSON shows the model's arguments readably; they are untrusted and
// only ever rendered as escaped text.
func indentJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

func runStatusClass(status string) string {
	switch status {
	case agents.StatusSucceeded:
		return "badge-ok"
	case agents.StatusWaitingForApproval:
		return "badge-warn"
	case agents.StatusFailed:
		return "badge-bad"
	}
	return "badge-neutral"
}
