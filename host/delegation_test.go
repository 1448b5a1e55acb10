package host_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/plugintest"
)

func TestNarrowNeverWidensAndChains(t *testing.T) {
	parent := host.Principal{ClientID: "c", Subject: "alice", Scopes: []string{"echo:call", "github:read", "agents:a"}}
	tests := []struct {
		name    string
		from    host.Principal
		actor   string
		scopes  []string
		want    []string
		actors  []string
		wantErr error
	}{
		{"keeps only what both name, in the parent's order", parent, "agent:a", []string{"agents:a", "echo:call", "admin"}, []string{"echo:call", "agents:a"}, []string{"c", "agent:a"}, nil},
		{"asking only for what the parent lacks", parent, "agent:a", []string{"admin", "runs:approve"}, nil, nil, host.ErrNoCommonScope},
		{"asking for nothing", parent, "agent:a", nil, nil, nil, host.ErrNoCommonScope},
		{"a chain grows by one", host.Principal{ClientID: "b", Subject: "alice", Scopes: []string{"echo:call"}, Actors: []string{"a", "b"}},
			"agent:x", []string{"echo:call"}, []string{"echo:call"}, []string{"a", "b", "agent:x"}, nil},
		{"at the maximum depth", host.Principal{ClientID: "c", Scopes: []string{"echo:call"}, Actors: []string{"c", "1", "2", "3", "4", "5"}},
			"agent:x", []string{"echo:call"}, nil, nil, host.ErrDelegationDepth},
		{"an empty actor", parent, "", []string{"echo:call"}, nil, nil, host.ErrDelegation},
		{"an actor with a space", parent, "agent: x", []string{"echo:call"}, nil, nil, host.ErrDelegation},
		{"an actor with a control character", parent, "agent:\nx", []string{"echo:call"}, nil, nil, host.ErrDelegation},
		{"an overlong actor", parent, strings.Repeat("a", 201), []string{"echo:call"}, nil, nil, host.ErrDelegation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.from.Narrow(tt.actor, tt.scopes)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Narrow = %+v, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.ClientID != tt.from.ClientID || got.Subject != tt.from.Subject ||
				!slices.Equal(got.Scopes, tt.want) || !slices.Equal(got.Actors, tt.actors) {
				t.Fatalf("Narrow = %+v, %v; want scopes %v, actors %v", got, err, tt.want, tt.actors)
			}
			for _, s := range got.Scopes {
				if !tt.from.HasScope(s) {
					t.Fatalf("the child got %q, which its parent lacks", s)
				}
			}
		})
	}
}

// TestDelegationChainIsAudited: an invocation by a delegated principal
// records its whole chain in the hash-chained audit entry.
func TestDelegationChainIsAudited(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("echo"))
	user := host.Principal{ClientID: "agent-1", Subject: "alice", Scopes: []string{"echo:call"},
		Actors: []string{"agent-0", "agent-1"}} // as a token exchange makes it
	sub, err := user.Narrow("agent:analyst", []string{"echo:call"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Invoke(context.Background(), sub, "echo", "echo", []byte(`{"message":"a"}`)); err != nil {
		t.Fatal(err)
	}
	var page audit.Page
	checkFor(t, func() error {
		var err error
		page, err = rt.Audit().List(context.Background(), audit.Filter{Client: "agent-1"})
		if err == nil && len(page.Entries) == 0 {
			err = errors.New("entry not written yet")
		}
		return err
	})
	e := page.Entries[0]
	if want := []string{"agent-0", "agent-1", "agent:analyst"}; !slices.Equal(e.Delegation, want) || e.Subject != "alice" || e.ClientID != "agent-1" {
		t.Fatalf("entry = %+v, want delegation %v for alice", e, want)
	}
	report, err := rt.Audit().Verify(context.Background())
	if err != nil || report.Err() != nil {
		t.Fatalf("verify: %v %v", err, report.Err())
	}
	edited := e
	edited.Delegation = []string{"agent-1"}
	if edited.ComputeHash() == e.Hash {
		t.Fatal("the chain is not covered by the entry's hash")
	}
}
