package adminui

import (
	"context"
	"net/http"
	"time"

	"github.com/secure-agent/saa/host/audit"
)

// Dashboard windows and bounds.
const (
	// callWindow is the span the call counts cover.
	callWindow = time.Hour
	// maxCallPages bounds the audit pages one dashboard view reads; past
	// it, the counts say "at least".
	maxCallPages = 20
	// recentErrors is how many failed calls the dashboard lists.
	recentErrors = 5
)

// callStats counts the invocations of a window.
type callStats struct {
	Calls, Errors int
	// Partial is true when the counts stopped at maxCallPages.
	Partial bool
	Recent  []auditRow
}

// countCalls reads the invocations since since, newest first.
func countCalls(ctx context.Context, log *audit.Log, since time.Time) (callStats, error) {
	var st callStats
	f := audit.Filter{Kind: audit.KindInvoke, Since: since, Desc: true, Limit: audit.MaxLimit}
	for range maxCallPages {
		page, err := log.List(ctx, f)
		if err != nil {
			return st, err
		}
		for _, e := range page.Entries {
			st.Calls++
			if e.Outcome != audit.OutcomeOK {
				st.Errors++
				if len(st.Recent) < recentErrors {
					st.Recent = append(st.Recent, auditRowOf(e))
				}
			}
		}
		if page.Next == 0 {
			return st, nil
		}
		f.BeforeSeq = page.Next
	}
	st.Partial = true
	return st, nil
}

// dashboardData is the model of the dashboard.
type dashboardData struct {
	Plugins         pluginCounts
	Pending         []pendingRow
	ActiveClients   int
	DisabledClients int
	Stats           callStats
}

// pluginCounts counts plugins by state; Serving includes the Local ones.
type pluginCounts struct {
	Serving, Disabled, Waiting, Local int
}

func countPlugins(d pluginsData) pluginCounts {
	var c pluginCounts
	for _, p := range d.Plugins {
		switch p.State {
		case stateServing:
			c.Serving++
		case stateDisabled:
			c.Disabled++
		case stateNotServing:
			c.Waiting++
		case stateLocal:
			c.Serving++
			c.Local++
		}
	}
	return c
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	plugins, err := u.allPlugins(ctx)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	d := dashboardData{Plugins: countPlugins(plugins), Pending: plugins.Pending}
	clients, err := u.cfg.Clients.List(ctx)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	for _, c := range clients {
		if c.Status == "active" {
			d.ActiveClients++
		} else {
			d.DisabledClients++
		}
	}
	if d.Stats, err = countCalls(ctx, u.audit, u.cfg.now().Add(-callWindow)); err != nil {
		u.serverError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Nav: "dashboard", Data: d})
}
