package agents_test

import (
	"errors"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
)

// TestWhoMayDecide: the approver of a call is never the agent, its
// sub-agents or anyone on delegated authority; for a run on behalf of a
// user it is that user or an admin.
func TestWhoMayDecide(t *testing.T) {
	approve := []string{agents.ScopeApprove}
	own := agents.RunView{ClientID: "agent", Subject: "agent"}
	user := agents.RunView{ClientID: "agent", Subject: "alice"}
	sub := agents.RunView{ClientID: "sub", Subject: "alice", Actors: []string{"agent", "sub"}}
	inproc := agents.RunView{ClientID: "agent", Subject: "alice", Actors: []string{"agent", "agent:analyst"}}
	subOfClient := agents.RunView{ClientID: "sub", Subject: "agent", Actors: []string{"agent", "sub"}}
	p := func(client, subject string, scopes ...string) host.Principal {
		return host.Principal{ClientID: client, Subject: subject, Scopes: scopes}
	}
	delegated := func(q host.Principal, actors ...string) host.Principal { q.Actors = actors; return q }
	tests := []struct {
		name string
		run  agents.RunView
		by   host.Principal
		want error
	}{
		{"without runs:approve", own, p("svc", "svc"), host.ErrForbidden},
		{"the run's own client", own, p("agent", "agent", approve...), agents.ErrSelfApproval},
		{"another client, for a client's own run", own, p("svc", "svc", approve...), nil},
		{"the agent with the user's own token", user, p("agent", "alice", approve...), agents.ErrSelfApproval},
		{"the user through another client", user, p("dashboard", "alice", approve...), nil},
		{"another user", user, p("dashboard", "bob", approve...), agents.ErrNotTheUser},
		{"an approver service on a user's run", user, p("svc", "svc", approve...), agents.ErrNotTheUser},
		{"an admin on a user's run", user, p("ops", "ops", agents.ScopeApprove, "admin"), nil},
		{"a sub-agent with its exchanged token", sub, delegated(p("sub", "alice", approve...), "agent", "sub"), agents.ErrDelegatedApproval},
		{"a sub-agent with a token of its own", sub, p("sub", "sub", approve...), agents.ErrSelfApproval},
		{"the parent agent on its sub-agent's run", sub, p("agent", "agent", approve...), agents.ErrSelfApproval},
		{"the user on a sub-agent's run", sub, p("dashboard", "alice", approve...), nil},
		{"an exchanged admin token", user, delegated(p("ops", "alice", agents.ScopeApprove, "admin"), "dashboard", "ops"), agents.ErrDelegatedApproval},
		{"an in-process sub-agent's principal", inproc, delegated(p("agent", "alice", approve...), "agent", "agent:analyst"), agents.ErrDelegatedApproval},
		{"another client, for a delegated client's run", subOfClient, p("svc", "svc", approve...), nil},
		{"the root client of a delegated run", subOfClient, p("agent", "agent", approve...), agents.ErrSelfApproval},
		{"the user in person on /account", user, agents.UserPrincipal("alice"), nil},
		{"the user in person on a sub-agent's run", sub, agents.UserPrincipal("alice"), nil},
		{"another user in person", user, agents.UserPrincipal("bob"), agents.ErrNotTheUser},
		{"a user in person on a client's own run", own, agents.UserPrincipal("agent"), agents.ErrNotTheUser},
		{"a user in person named like nobody", user, agents.UserPrincipal(""), agents.ErrNotTheUser},
		{"a user in person without runs:approve", user, p("", "alice"), host.ErrForbidden},
		{"a delegated principal without a client", user, delegated(agents.UserPrincipal("alice"), "agent"), agents.ErrDelegatedApproval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := agents.CanDecide(tt.run, tt.by)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("CanDecide = %v, want %v", err, tt.want)
			}
		})
	}
}
