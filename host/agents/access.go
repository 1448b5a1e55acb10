package agents

import (
	"context"
	"errors"
	"slices"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/hostscope"
)

// ErrSelfApproval means the client that runs an agent tried to approve its
// own paused call: approvals come from someone else.
var ErrSelfApproval = errors.New("the client that runs an agent cannot approve its calls")

// CanRead reports whether p may read, or cancel, run v: its own client, or
// a holder of ScopeApprove (who must see a call to decide it).
func CanRead(v RunView, p host.Principal) bool {
	return v.ClientID == p.ClientID || p.HasScope(ScopeApprove)
}

// ErrDelegatedApproval means a principal acting on delegated authority (a
// token from a token exchange, a sub-agent) tried to approve a call:
// approvals come from a human or an admin, never down a delegation chain.
var ErrDelegatedApproval = errors.New("delegated authority cannot approve calls")

// ErrNotTheUser means someone other than the user a run acts for, and not
// an admin, tried to decide its calls.
var ErrNotTheUser = errors.New("only the user the run acts for, or an admin, can decide its calls")

// CanDecide says whether p may approve or reject v's paused calls. p needs
// ScopeApprove, and must act for itself: a principal with a delegation
// chain never approves, whatever its scopes. Its client must be neither
// the run's client nor any actor in the run's chain, so no agent approves
// its own calls or its sub-agents'. A run made on behalf of a user (a
// subject that is not the run's first client) is decided by that user or
// by an admin (a holder of hostscope.Admin). A user deciding in person (a
// principal with a subject and no client, as /account builds it) decides
// only the runs made on their own behalf.
func CanDecide(v RunView, p host.Principal) error {
	if !p.HasScope(ScopeApprove) {
		return &host.ScopeError{Missing: []string{ScopeApprove}}
	}
	if p.Delegated() {
		return ErrDelegatedApproval
	}
	if p.ClientID == "" {
		if p.Subject == "" || !forUser(v) || p.Subject != v.Subject {
			return ErrNotTheUser
		}
		return nil
	}
	if v.ClientID == p.ClientID || slices.Contains(v.Actors, p.ClientID) {
		return ErrSelfApproval
	}
	if forUser(v) && p.Subject != v.Subject && !p.HasScope(hostscope.Admin) {
		return ErrNotTheUser
	}
	return nil
}

// forUser reports whether v runs on behalf of a user: its subject is not
// the client that the authority started from.
func forUser(v RunView) bool {
	root := v.ClientID
	if len(v.Actors) > 0 {
		root = v.Actors[0]
	}
	return v.Subject != "" && v.Subject != root
}

// UserPrincipal is a signed-in user deciding in person, on a page of their
// own account: their name as the subject, no client, and only the scope to
// decide. CanDecide lets it decide the runs made on that user's behalf and
// nothing else.
func UserPrincipal(user string) host.Principal {
	return host.Principal{Subject: user, Scopes: []string{ScopeApprove}}
}

// Decide is the one path by which every surface (REST, the Agent Protocol,
// the admin UI) decides a paused call: it checks that p may decide v's calls
// (CanDecide), then hands the decision to e. by names the decider in the
// run's record and the audit log, where the loop writes the decision when
// the call resumes.
func Decide(ctx context.Context, e Engine, v RunView, p host.Principal, callID string, approve bool, reason, by string) error {
	if err := CanDecide(v, p); err != nil {
		return err
	}
	return e.Decide(ctx, v.ID, callID, approve, reason, by)
}

// Listing is an agent as GET /v1/agents lists it.
type Listing struct {
	Name string `json:"name"`
	// Kind is "agent" or "workflow".
	Kind          string   `json:"kind"`
	Description   string   `json:"description,omitempty"`
	Tools         []string `json:"tools"`
	Handoffs      []string `json:"handoffs"`
	AgentsAsTools []string `json:"agents_as_tools"`
	Approval      string   `json:"approval"`
	RequiredScope string   `json:"required_scope"`
}

// Runnable lists the agents of s that p may run, by name.
func (s Set) Runnable(p host.Principal) []Listing {
	out := []Listing{}
	for _, name := range s.Names() {
		d := s[name]
		if !p.HasScope(ScopeRunPrefix + name) {
			continue
		}
		out = append(out, Listing{
			Name: name, Kind: d.Kind, Description: d.Description, Tools: nonNil(d.Tools), Handoffs: nonNil(d.Handoffs),
			AgentsAsTools: nonNil(d.AgentsAsTools), Approval: d.Approval, RequiredScope: ScopeRunPrefix + name,
		})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
