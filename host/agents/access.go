package agents

import (
	"errors"

	"github.com/secure-agent/saa/host"
)

// ErrSelfApproval means the client that runs an agent tried to approve its
// own paused call: approvals come from someone else.
var ErrSelfApproval = errors.New("the client that runs an agent cannot approve its calls")

// CanRead reports whether p may read, or cancel, run v: its own client, or
// a holder of ScopeApprove (who must see a call to decide it).
func CanRead(v RunView, p host.Principal) bool {
	return v.ClientID == p.ClientID || p.HasScope(ScopeApprove)
}

// CanDecide says whether p may approve or reject v's paused calls: it
// needs ScopeApprove, and must not be the client running the agent.
func CanDecide(v RunView, p host.Principal) error {
	if !p.HasScope(ScopeApprove) {
		return &host.ScopeError{Missing: []string{ScopeApprove}}
	}
	if v.ClientID == p.ClientID {
		return ErrSelfApproval
	}
	return nil
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
