package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/problem"
)

// Server-sent events of an agent run.
const (
	eventsPoll    = 200 * time.Millisecond
	eventsMaxOpen = 10 * time.Minute // a client reconnects with Last-Event-ID
)

// runEvents serves GET /v1/runs/{id}/events: the run's steps as server-sent
// events ("step", id = the step's index, so a client resumes with
// Last-Event-ID), "delta" events with the text of the model call in flight
// as it arrives (no id: the step that follows holds the whole answer), a
// "status" event whenever the status or the pending approvals change, and
// a final "end" event with the whole run.
func (s *Server) runEvents(w http.ResponseWriter, r *http.Request) {
	v, ok := s.agentRun(r)
	if !ok {
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such run")
		return
	}
	next := 0
	if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && last >= 0 {
		next = last + 1
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(eventsMaxOpen + 10*time.Second))
	w.WriteHeader(http.StatusOK)
	deadline := time.Now().Add(eventsMaxOpen)
	var lastStatus string
	var lastPending []agents.Pending
	var sent deltaCursor
	for {
		for ; next < len(v.Steps); next++ {
			writeEvent(w, strconv.Itoa(next), "step", v.Steps[next])
		}
		sent.write(w, v)
		if v.Status != lastStatus || !slices.EqualFunc(v.PendingApprovals, lastPending, func(a, b agents.Pending) bool { return a.CallID == b.CallID }) {
			writeEvent(w, "", "status", map[string]any{"status": v.Status, "pending_approvals": v.PendingApprovals})
			lastStatus, lastPending = v.Status, v.PendingApprovals
		}
		if final(v.Status) {
			writeEvent(w, "", "end", v)
			rc.Flush()
			return
		}
		if rc.Flush() != nil || time.Now().After(deadline) {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(eventsPoll):
		}
		if v, ok = s.agentRun(r); !ok {
			return
		}
	}
}

// deltaCursor remembers how much of the call in flight was sent.
type deltaCursor struct{ step, n int }

// write sends the text the call in flight wrote since the last poll.
func (c *deltaCursor) write(w http.ResponseWriter, v agents.RunView) {
	st := v.Streaming
	if st == nil || st.Step != len(v.Steps) {
		return
	}
	if st.Step != c.step {
		c.step, c.n = st.Step, 0
	}
	if len(st.Text) > c.n {
		writeEvent(w, "", "delta", map[string]any{"step": st.Step, "agent": st.Agent, "text": st.Text[c.n:]})
		c.n = len(st.Text)
	}
}

func final(status string) bool {
	return status == agents.StatusSucceeded || status == agents.StatusFailed || status == agents.StatusCanceled
}

// writeEvent writes one server-sent event; data is one line of JSON.
func writeEvent(w http.ResponseWriter, id, event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	if id != "" {
		fmt.Fprintf(w, "id: %s\n", id)
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
}
