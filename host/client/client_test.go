package client_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/client"
	"github.com/secure-agent/saa/host/httpapi"
)

// server is a real SAA on 127.0.0.1 over the suite's runtime.
type server struct {
	url  string
	auth *auth.Server
}

func newServer(t *testing.T, rt *host.Runtime) server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	hs := httptest.NewUnstartedServer(nil)
	public := "http://" + hs.Listener.Addr().String()
	ac := auth.DefaultConfig()
	ac.PublicURL, ac.DataDir, ac.Store, ac.Logger = public, t.TempDir(), rt.DB().Auth(), log
	as, err := auth.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(httpapi.Config{Runtime: rt, Auth: as, PublicURL: public, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(hs.Close)
	return server{url: hs.URL, auth: as}
}

// clientFor creates an OAuth client holding scopes and a REST client for it.
func (s server) clientFor(t *testing.T, scopes ...string) (*client.Client, host.Principal) {
	t.Helper()
	c, secret, err := s.auth.Clients().Create(context.Background(), "agent", scopes)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(context.Background(), client.Config{BaseURL: s.url, ClientID: c.ID, ClientSecret: secret, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return cl, host.Principal{ClientID: c.ID, Subject: c.ID, Scopes: scopes}
}

// TestSuiteOverREST runs the agents conformance suite through a real server.
func TestSuiteOverREST(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	s := newServer(t, agentstest.Runtime(t, gh))
	agentstest.Suite(t, agentstest.Env{
		GitHub: gh,
		Invoker: func(t *testing.T, scopes ...string) (agents.Invoker, host.Principal) {
			return s.clientFor(t, scopes...)
		},
	})
}

func TestClientErrors(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	s := newServer(t, agentstest.Runtime(t, gh))
	cl, p := s.clientFor(t, "echo:call")
	ctx := context.Background()
	t.Run("round trip", func(t *testing.T) {
		out, err := cl.Invoke(ctx, p, "echo", "echo", []byte(`{"message":"hi"}`))
		if err != nil || string(out) != `{"message":"hi"}` {
			t.Fatalf("= %s, %v", out, err)
		}
	})
	for _, c := range []struct {
		name, plugin, action, input string
		want                        error
	}{
		{"unknown action", "echo", "nope", `{}`, host.ErrNotFound},
		{"not in the token", "github", "create_issue", `{}`, host.ErrNotFound},
		{"bad input", "echo", "echo", `{"message":5}`, host.ErrInvalidInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := cl.Invoke(ctx, p, c.plugin, c.action, []byte(c.input)); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	t.Run("the principal narrows below the token", func(t *testing.T) {
		_, err := cl.Invoke(ctx, host.Principal{ClientID: p.ClientID}, "echo", "echo", []byte(`{"message":"hi"}`))
		if !errors.Is(err, host.ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
	})
	t.Run("a bad secret", func(t *testing.T) {
		bad, err := client.New(ctx, client.Config{BaseURL: s.url, ClientID: p.ClientID, ClientSecret: "wrong-secret"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.Actions(ctx, p)
		if err == nil || strings.Contains(err.Error(), "wrong-secret") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []client.Config{{BaseURL: "ftp://x", Token: "t"}, {BaseURL: s.url}} {
			if _, err := client.New(ctx, cfg); err == nil {
				t.Errorf("New(%+v) succeeded", cfg)
			}
		}
	})
}

// RequiredScopes reads an action's scopes from the public OpenAPI document,
// and Call leaves every check to the server.
func TestRequiredScopesAndCall(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	s := newServer(t, agentstest.Runtime(t, gh))
	ctx := context.Background()
	scopes, err := client.RequiredScopes(ctx, s.url, nil, "echo", "echo")
	if err != nil || strings.Join(scopes, " ") != "echo:call" {
		t.Fatalf("RequiredScopes(echo.echo) = %v, %v", scopes, err)
	}
	if _, err := client.RequiredScopes(ctx, s.url, nil, "echo", "nope"); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("RequiredScopes(echo.nope): err = %v, want ErrNotFound", err)
	}
	if _, err := client.RequiredScopes(ctx, "ftp://x", nil, "echo", "echo"); err == nil {
		t.Fatal("RequiredScopes on an ftp URL succeeded")
	}
	cl, _ := s.clientFor(t, scopes...)
	if out, err := cl.Call(ctx, "echo", "echo", []byte(`{"message":"hi"}`)); err != nil || string(out) != `{"message":"hi"}` {
		t.Fatalf("Call = %s, %v", out, err)
	}
	for _, c := range []struct {
		name, plugin, action, input, status string
		want                                error
	}{
		{"unknown action", "echo", "nope", `{}`, "HTTP 404", host.ErrNotFound},
		{"bad input", "echo", "echo", `{"message":5}`, "HTTP 422", host.ErrInvalidInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := cl.Call(ctx, c.plugin, c.action, []byte(c.input))
			if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.status) {
				t.Fatalf("err = %v, want %v from the server (%s)", err, c.want, c.status)
			}
		})
	}
}

// TestSubAgentsCallWithExchangedTokens: a call for a delegated principal
// goes out with a token exchanged for its scopes, so the server sees (and
// audits) the delegation; the client's own calls do not.
func TestSubAgentsCallWithExchangedTokens(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	rt := agentstest.Runtime(t, gh)
	s := newServer(t, rt)
	cl, p := s.clientFor(t, "echo:call", "github:issues.read")
	sub, err := p.Narrow("agent:analyst", []string{"echo:call"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []host.Principal{p, sub, sub} { // the second sub call reuses the exchanged token
		if out, err := cl.Invoke(ctx, q, "echo", "echo", []byte(`{"message":"hi"}`)); err != nil || string(out) != `{"message":"hi"}` {
			t.Fatalf("Invoke as %v = %s, %v", q.Actors, out, err)
		}
	}
	var page audit.Page
	for deadline := time.Now().Add(5 * time.Second); len(page.Entries) < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if page, err = rt.Audit().List(ctx, audit.Filter{Client: p.ClientID}); err != nil {
			t.Fatal(err)
		}
	}
	if len(page.Entries) != 3 {
		t.Fatalf("%d audit entries, want 3", len(page.Entries))
	}
	want := [][]string{nil, {p.ClientID, p.ClientID}, {p.ClientID, p.ClientID}}
	for i, e := range page.Entries {
		if !slices.Equal(e.Delegation, want[i]) {
			t.Errorf("entry %d: delegation %v, want %v", i, e.Delegation, want[i])
		}
	}
}
