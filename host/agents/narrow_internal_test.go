package agents

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/rag"
)

// catalogInvoker lists a fixed catalog, filtered by scopes like the runtime.
type catalogInvoker []host.ActionInfo

func (c catalogInvoker) Actions(_ context.Context, p host.Principal) ([]host.ActionInfo, error) {
	var out []host.ActionInfo
	for _, a := range c {
		if !slices.ContainsFunc(a.Scopes, func(s string) bool { return !p.HasScope(s) }) {
			out = append(out, a)
		}
	}
	return out, nil
}
func (catalogInvoker) Check(host.Principal, string, string, []byte) error { return nil }
func (catalogInvoker) Invoke(context.Context, host.Principal, string, string, []byte) ([]byte, error) {
	return nil, nil
}

func TestNarrowNeverWidens(t *testing.T) {
	inv := catalogInvoker{
		{Plugin: "tickets", Name: "analyze", Scopes: []string{"tickets:analyze"}},
		{Plugin: "github", Name: "create_issue", Scopes: []string{"github:issues.write"}},
	}
	child := &Definition{Name: "analyst", Tools: []string{"tickets.analyze", "github.create_issue"}, Handoffs: []string{"triage"}}
	r := &Runner{Invoker: inv}
	for _, c := range []struct {
		name   string
		parent []string
		want   []string
	}{
		{"drops what the child does not use", []string{"agents:analyst", "tickets:analyze", "echo:call", "admin", "runs:approve"}, []string{"agents:analyst", "tickets:analyze"}},
		{"never adds what the parent lacks", []string{"tickets:analyze"}, []string{"tickets:analyze"}},
		{"keeps handoff and continuous scopes the parent has", []string{"agents:triage", "agents:continuous", "github:issues.write"}, []string{"agents:triage", "agents:continuous", "github:issues.write"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := r.narrow(context.Background(), child, host.Principal{ClientID: "c", Scopes: c.parent}, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Scopes, c.want) {
				t.Fatalf("narrow(%v) = %v, want %v", c.parent, got.Scopes, c.want)
			}
			if !slices.Equal(got.Actors, []string{"c", "agent:analyst"}) || got.ClientID != "c" {
				t.Fatalf("narrowed principal %+v, want the chain c → agent:analyst", got)
			}
			for _, s := range got.Scopes {
				if !slices.Contains(c.parent, s) {
					t.Fatalf("the child got %q, which its parent lacks", s)
				}
			}
		})
	}
}

func TestNarrowChains(t *testing.T) {
	inv := catalogInvoker{{Plugin: "echo", Name: "echo", Scopes: []string{"echo:call"}}}
	a := &Definition{Name: "a", Tools: []string{"echo.echo"}, Handoffs: []string{"b"}, AgentsAsTools: []string{"a"}}
	b := &Definition{Name: "b", Tools: []string{"echo.echo"}, Handoffs: []string{"a"}}
	r := &Runner{Invoker: inv}
	ctx := context.Background()
	top := host.Principal{ClientID: "c", Subject: "u", Scopes: []string{"echo:call", "agents:a", "agents:b"}}
	t.Run("handoffs back and forth do not deepen the chain", func(t *testing.T) {
		p := top
		for i, next := range []*Definition{b, a, b, a, b, a, b, a} {
			var err error
			if p, err = r.narrow(ctx, next, p, true); err != nil {
				t.Fatalf("handoff %d: %v", i, err)
			}
			if !slices.Equal(p.Actors, []string{"c", "agent:" + next.Name}) {
				t.Fatalf("handoff %d: chain %v", i, p.Actors)
			}
		}
	})
	t.Run("agents asked as tools nest, up to the depth", func(t *testing.T) {
		p := top
		for i := range host.DefaultMaxDelegationDepth {
			var err error
			if p, err = r.narrow(ctx, a, p, false); err != nil {
				t.Fatalf("ask %d: %v", i, err)
			}
		}
		if p.Depth() != host.DefaultMaxDelegationDepth || p.Subject != "u" {
			t.Fatalf("after %d asks: %+v", host.DefaultMaxDelegationDepth, p)
		}
		if _, err := r.narrow(ctx, a, p, false); !errors.Is(err, host.ErrDelegationDepth) {
			t.Fatalf("one ask too deep: %v, want ErrDelegationDepth", err)
		}
	})
}

func TestCanonicalArgsAndHash(t *testing.T) {
	a, err := canonicalArgs(`{ "b": 1, "a": {"y": "é", "x": 1.50} }`)
	if err != nil || string(a) != `{"a":{"x":1.50,"y":"é"},"b":1}` {
		t.Fatalf("canonicalArgs = %s, %v", a, err)
	}
	p := host.Principal{ClientID: "c", Subject: "s", Scopes: []string{"b", "a"}}
	h := CallHash("github", "create_issue", a, p)
	for name, other := range map[string]string{
		"other args":      CallHash("github", "create_issue", []byte(`{"b":2}`), p),
		"other action":    CallHash("github", "list_issues", a, p),
		"other principal": CallHash("github", "create_issue", a, host.Principal{ClientID: "d", Subject: "s", Scopes: p.Scopes}),
		"other scopes":    CallHash("github", "create_issue", a, host.Principal{ClientID: "c", Subject: "s", Scopes: []string{"a"}}),
		"delegated":       CallHash("github", "create_issue", a, host.Principal{ClientID: "c", Subject: "s", Scopes: p.Scopes, Actors: []string{"c", "agent:x"}}),
	} {
		if other == h {
			t.Errorf("%s: same hash", name)
		}
	}
	if CallHash("github", "create_issue", a, host.Principal{ClientID: "c", Subject: "s", Scopes: []string{"a", "b"}}) != h {
		t.Error("scope order changed the hash")
	}
}

// FuzzCanonicalArgs: model-written arguments never panic, and canonical
// output is a fixed point.
func FuzzCanonicalArgs(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{not json`, `[1]`, ``, `{"a":1}{}`, `{"x":1e400}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := canonicalArgs(s)
		if err != nil {
			return
		}
		again, err := canonicalArgs(string(c))
		if err != nil || string(again) != string(c) {
			t.Fatalf("canonical form %s is not stable: %s, %v", c, again, err)
		}
	})
}

func (catalogInvoker) Search(context.Context, host.Principal, string, rag.SearchOptions) ([]rag.Hit, error) {
	return nil, host.ErrHandleNotFound
}

func (catalogInvoker) Chunks(context.Context, host.Principal, string, int, int) ([]rag.Chunk, error) {
	return nil, host.ErrHandleNotFound
}
