package adminui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/audit"
)

// auditPageSize is how many entries the audit page shows at a time.
const auditPageSize = 50

// maxFilterText bounds a text filter: no real name is longer.
const maxFilterText = 256

// localTimeLayouts are what an <input type="datetime-local"> sends.
var localTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// knownOutcomes are offered as suggestions in the outcome filter.
var knownOutcomes = []string{
	audit.OutcomeOK, "insufficient-scope", "not-found", "invalid-input", "invalid-output",
	"plugin-timeout", "plugin-crashed", "output-too-large", "busy", "plugin-failed", "error", outcomeForbidden,
}

// auditQuery is the audit page's filter as entered, to refill the form.
type auditQuery struct {
	Kind, Client, Plugin, Action, Outcome, Since, Until string
	Before                                              uint64
}

// parseAuditQuery reads the filter form. Times are UTC.
func parseAuditQuery(q url.Values) (auditQuery, audit.Filter, error) {
	aq := auditQuery{
		Kind: q.Get("kind"), Client: strings.TrimSpace(q.Get("client")), Plugin: strings.TrimSpace(q.Get("plugin")),
		Action: strings.TrimSpace(q.Get("action")), Outcome: strings.TrimSpace(q.Get("outcome")), Since: q.Get("since"), Until: q.Get("until"),
	}
	f := audit.Filter{Desc: true, Limit: auditPageSize, Kind: aq.Kind, Client: aq.Client, Plugin: aq.Plugin, Action: aq.Action, Outcome: aq.Outcome}
	if aq.Kind != "" && aq.Kind != audit.KindInvoke && aq.Kind != audit.KindAdmin {
		return aq, f, fmt.Errorf("kind must be %s or %s", audit.KindInvoke, audit.KindAdmin)
	}
	for _, v := range []string{aq.Client, aq.Plugin, aq.Action, aq.Outcome} {
		if len(v) > maxFilterText {
			return aq, f, fmt.Errorf("a filter is longer than %d characters", maxFilterText)
		}
	}
	var err error
	if f.Since, err = parseLocalTime(aq.Since); err != nil {
		return aq, f, fmt.Errorf("from: %w", err)
	}
	if f.Until, err = parseLocalTime(aq.Until); err != nil {
		return aq, f, fmt.Errorf("until: %w", err)
	}
	if b := q.Get("before"); b != "" {
		if aq.Before, err = strconv.ParseUint(b, 10, 64); err != nil {
			return aq, f, fmt.Errorf("before must be an entry number")
		}
		f.BeforeSeq = aq.Before
	}
	return aq, f, nil
}

// parseLocalTime reads a datetime-local value as UTC; "" is the zero time.
func parseLocalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range localTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time like 2025-01-31T13:45", s)
}

// olderURL links the next page of the same filter.
func (q auditQuery) olderURL(next uint64) string {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "client": q.Client, "plugin": q.Plugin,
		"action": q.Action, "outcome": q.Outcome, "since": q.Since, "until": q.Until} {
		if s != "" {
			v.Set(k, s)
		}
	}
	v.Set("before", strconv.FormatUint(next, 10))
	return basePath + "/audit?" + v.Encode()
}

// auditRow is one entry as the table shows it.
type auditRow struct {
	Seq  uint64
	Time time.Time
	Kind string
	// ClientID is the client that acted, if any, and Subject whom for (when
	// it differs) or the admin's name.
	ClientID, Subject     string
	What                  string
	Outcome, OutcomeClass string
	Duration              string
	Detail                string
}

func auditRowOf(e audit.Entry) auditRow {
	row := auditRow{
		Seq: e.Seq, Time: e.Time, Kind: e.Kind, ClientID: e.ClientID, Subject: e.Subject,
		Outcome: e.Outcome, OutcomeClass: outcomeClass(e.Outcome), What: e.Action,
	}
	if row.Subject == row.ClientID {
		row.Subject = ""
	}
	if e.Kind == audit.KindInvoke {
		row.What = e.Plugin + "." + e.Action
		row.Duration = strconv.FormatInt(e.DurationMS, 10) + " ms"
	} else if e.Plugin != "" {
		row.What = e.Action + " " + e.Plugin
	}
	row.Detail = detailOf(e)
	return row
}

// detailOf summarises what an entry says beyond who and what.
func detailOf(e audit.Entry) string {
	var parts []string
	for _, p := range []struct{ label, text string }{
		{"", e.Detail},
		{"", e.Error},
		{"egress ", strings.Join(e.Egress, ", ")},
		{"secrets ", strings.Join(e.Secrets, ", ")},
		{"via ", strings.Join(e.Delegation, " → ")},
	} {
		if p.text != "" {
			parts = append(parts, p.label+p.text)
		}
	}
	return strings.Join(parts, "; ")
}

func outcomeClass(outcome string) string {
	switch outcome {
	case audit.OutcomeOK:
		return badgeOK
	case outcomeForbidden, "insufficient-scope", "not-found", "invalid-input":
		return badgeWarn
	}
	return badgeBad
}

// auditData is the model of the audit page.
type auditData struct {
	Query    auditQuery
	Error    string
	Rows     []auditRow
	Older    string
	Outcomes []string
}
