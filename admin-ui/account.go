package adminui

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
)

// activityLimit is how many recent audit entries the account page shows.
const activityLimit = 25

// accountData is the model of /account. Connected accounts and pending
// approvals have their own sections, anchored #connected-accounts and
// #pending-approvals.
type accountData struct {
	User     string
	Grants   []grantView
	Activity []audit.Entry
	// Pending are the calls waiting for this user's decision.
	Pending []pausedCall
	// Connect shows the link to /account/connections (a connected-accounts
	// service is configured); Connections is the status of each provider.
	Connect     bool
	Connections []accounts.Connection
}

// grantView is one agent the user lets act for them.
type grantView struct {
	auth.Grant
	Groups []permGroup
}

// accountPage shows the signed-in user's grants, connected accounts, the
// calls waiting for their approval and recent activity: the audit entries
// whose subject is the user, and nobody else's.
func (u *UI) accountPage(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	grants, err := u.cfg.Grants.List(r.Context(), s.User)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	d := accountData{User: s.User}
	for _, g := range grants {
		d.Grants = append(d.Grants, grantView{Grant: g, Groups: describeScopes(u.cfg.Runtime.Plugins(), g.Scopes)})
	}
	if d.Activity, err = u.activityOf(r.Context(), s.User); err != nil {
		u.serverError(w, r, err)
		return
	}
	if d.Pending, err = u.pendingFor(r.Context(), s.User); err != nil {
		u.serverError(w, r, err)
		return
	}
	if u.cfg.Accounts != nil {
		if d.Connections, err = u.cfg.Accounts.Connections(r.Context(), s.User); err != nil {
			u.serverError(w, r, err)
			return
		}
		d.Connect = true
	}
	u.render(w, r, http.StatusOK, "account", view{Title: "My account", Nav: "account", Data: d})
}

// activityOf returns user's most recent audit entries, newest first.
func (u *UI) activityOf(ctx context.Context, user string) ([]audit.Entry, error) {
	page, err := u.audit.List(ctx, audit.Filter{Subject: user, Desc: true, Limit: activityLimit})
	if err != nil {
		return nil, err
	}
	return page.Entries, nil
}

// revokeGrant withdraws the user's consent to an agent; its tokens for the
// user stop working at once.
func (u *UI) revokeGrant(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	client := chi.URLParam(r, "client")
	err := u.cfg.Grants.Revoke(r.Context(), s.User, client)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		u.redirect(w, r, accountPath, problem("That agent has no access to withdraw."))
		return
	case err != nil:
		u.serverError(w, r, err)
		return
	}
	u.append(r.Context(), audit.Entry{Kind: kindAccount, Subject: s.User, ClientID: client, Action: "account.revoke", Outcome: audit.OutcomeOK})
	u.redirect(w, r, accountPath, done("Access withdrawn. The agent's tokens for you no longer work."))
}
