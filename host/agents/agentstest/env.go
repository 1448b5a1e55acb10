// Package agentstest is the conformance suite of agents.Invoker: the same
// agent scripts run against the in-process runtime and against the REST
// client, and must give the same results. It also builds the runtime both
// use: the first-party echo, tickets and github plugins, with github
// pointed at a local stand-in that counts the issues it creates.
package agentstest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/plugintest"
)

// GitHub is a stand-in for api.github.com that records created issues.
type GitHub struct {
	*httptest.Server
	mu     sync.Mutex
	titles []string
}

// Created returns the titles of the issues created so far.
func (g *GitHub) Created() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.titles...)
}

// NewGitHub starts the stand-in; it is closed when t ends.
func NewGitHub(t testing.TB) *GitHub {
	g := &GitHub{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Title string }
		json.NewDecoder(r.Body).Decode(&body)
		g.mu.Lock()
		g.titles = append(g.titles, body.Title)
		n := len(g.titles)
		g.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"number": n, "title": body.Title, "state": "open", "html_url": "https://github.com/acme/widgets/issues/1"})
	})
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

// Runtime returns a runtime with echo, tickets and github (aimed at gh)
// loaded, and a github token stored.
func Runtime(t testing.TB, gh *GitHub) *host.Runtime {
	t.Helper()
	local := "http://api.test:" + strings.TrimPrefix(gh.URL, "http://127.0.0.1:")
	gp := plugintest.FirstParty("github")
	gp.Replace = map[string]string{"https://api.github.com": local}
	cfg := host.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.PluginsDir = plugintest.Install(t, plugintest.FirstParty("echo"), plugintest.FirstParty("tickets"), gp)
	cfg.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	cfg.Resolver = resolver{"api.test": netip.MustParseAddr("127.0.0.1")}
	cfg.PluginConfig = map[string]map[string]string{"github": {"base_url": local}}
	rt, err := host.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	if err := rt.Secrets().Put(context.Background(), "github", "token", "ghp_agentstest"); err != nil {
		t.Fatal(err)
	}
	return rt
}

type resolver map[string]netip.Addr

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net404{host}
}

type net404 struct{ host string }

func (e *net404) Error() string { return "no such host " + e.host }
