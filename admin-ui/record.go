package adminui

import (
	"context"
	"net/http"

	"github.com/secure-agent/saa/host/audit"
)

// outcomeForbidden is the outcome of a change a viewer tried to make.
const outcomeForbidden = "forbidden"

// record appends an admin entry for a change s made. The change has
// happened whatever the log says, so a failure to record is logged loudly
// rather than reported as the change failing.
func (u *UI) record(ctx context.Context, s Session, action, plugin, detail string) {
	u.append(ctx, audit.Entry{
		Kind: audit.KindAdmin, Subject: s.User, Action: action, Plugin: plugin,
		Detail: detail, Outcome: audit.OutcomeOK,
	})
}

// recordDenied appends an entry for a change a viewer was refused.
func (u *UI) recordDenied(r *http.Request, s Session) {
	u.append(r.Context(), audit.Entry{
		Kind: audit.KindAdmin, Subject: s.User, Action: "admin.denied",
		Detail: r.Method + " " + r.URL.Path, Outcome: outcomeForbidden,
	})
}

func (u *UI) append(ctx context.Context, e audit.Entry) {
	if err := u.audit.Append(ctx, e); err != nil {
		u.log.ErrorContext(ctx, "record admin action in the audit log", "action", e.Action, logKeyUser, e.Subject, logKeyErr, err)
	}
}
