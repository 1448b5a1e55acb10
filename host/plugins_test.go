package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/plugintest"
)

// The first-party plugins, compiled and run through the real runtime against
// local stand-ins for the APIs they call.

// localAPI installs plugin with its egress host pointed at a local server
// (whose name resolves to 127.0.0.1, opened by the operator for the test).
func localAPI(t *testing.T, plugin, declared string, handler http.Handler) (*host.Runtime, string) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	port := strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	local := "http://api.test:" + port
	p := plugintest.FirstParty(plugin)
	p.Replace = map[string]string{declared: local}

	rt := newRuntimeWith(t, func(c *host.Config) {
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Resolver = mapResolver{"api.test": netip.MustParseAddr("127.0.0.1")}
		c.PluginConfig = map[string]map[string]string{plugin: {"base_url": local}}
	}, p)
	return rt, local
}

func TestGitHubPlugin(t *testing.T) {
	var gotAuth []string
	api := http.NewServeMux()
	api.HandleFunc("GET /repos/acme/widgets/issues", func(w http.ResponseWriter, r *http.Request) {
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		w.Write([]byte(`[{"number":1,"title":"Broken","state":"open","html_url":"https://github.com/acme/widgets/issues/1","user":{"login":"ann"}},
			{"number":2,"title":"A PR","state":"open","pull_request":{}}]`))
	})
	api.HandleFunc("POST /repos/acme/widgets/issues", func(w http.ResponseWriter, r *http.Request) {
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		var body struct{ Title string }
		json.NewDecoder(r.Body).Decode(&body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"number": 3, "title": body.Title, "state": "open", "html_url": "https://github.com/acme/widgets/issues/3"})
	})
	rt, _ := localAPI(t, "github", "https://api.github.com", api)
	if err := rt.Secrets().Put(context.Background(), "github", "token", "ghp_test_token"); err != nil {
		t.Fatal(err)
	}
	agent := caller("github:issues.read", "github:issues.write")

	out, err := rt.Invoke(context.Background(), agent, "github", "list_issues", []byte(`{"owner":"acme","repo":"widgets"}`))
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Issues []struct{ Number int } }
	if err := json.Unmarshal(out, &list); err != nil || len(list.Issues) != 1 || list.Issues[0].Number != 1 {
		t.Fatalf("list_issues = %s (%v), want issue 1 only (pull requests left out)", out, err)
	}
	out, err = rt.Invoke(context.Background(), agent, "github", "create_issue", []byte(`{"owner":"acme","repo":"widgets","title":"New"}`))
	if err != nil || !strings.Contains(string(out), `"number":3`) {
		t.Fatalf("create_issue = %s, %v", out, err)
	}
	for i, a := range gotAuth {
		if a != "Bearer ghp_test_token" {
			t.Errorf("request %d carried Authorization %q, want the injected token", i, a)
		}
	}
	if strings.Contains(string(out), "ghp_test_token") {
		t.Fatal("the token leaked into the output")
	}
	t.Run("read-only agent cannot create", func(t *testing.T) {
		_, err := rt.Invoke(context.Background(), caller("github:issues.read"), "github", "create_issue", []byte(`{"owner":"acme","repo":"widgets","title":"x"}`))
		var se *host.ScopeError
		if !errors.As(err, &se) || se.Missing[0] != "github:issues.write" {
			t.Fatalf("err = %v, want missing github:issues.write", err)
		}
	})
}

func TestHTTPFetchPlugin(t *testing.T) {
	rt, local := localAPI(t, "http_fetch", "https://example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello from " + r.URL.Path))
	}))
	agent := caller("http_fetch:fetch")
	in, _ := json.Marshal(map[string]string{"url": local + "/page"})
	out, err := rt.Invoke(context.Background(), agent, "http_fetch", "get", in)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Status int
		Text   string
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Status != 200 || got.Text != "hello from /page" {
		t.Fatalf("get = %s (%v)", out, err)
	}
	for _, undeclared := range []string{"http://127.0.0.1:1/", "https://evil.example/", "http://api.test:1/"} {
		in, _ := json.Marshal(map[string]string{"url": undeclared})
		out, err := rt.Invoke(context.Background(), agent, "http_fetch", "get", in)
		if err == nil {
			t.Errorf("get %s succeeded: %s", undeclared, out)
		}
	}
}

func TestTicketsPlugin(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("tickets"))
	in := `{"tickets":[
		{"id":"1","status":"closed","priority":"high","created_at":"2026-01-01T00:00:00Z","resolved_at":"2026-01-01T02:00:00Z","title":"VPN drops every hour"},
		{"id":"2","status":"closed","priority":"low","created_at":"2026-01-01T00:00:00Z","resolved_at":"2026-01-01T06:00:00Z","title":"VPN drops at night"},
		{"id":"3","status":"open","priority":"high","created_at":"2026-01-02T00:00:00Z","title":"Printer out of toner"}]}`
	out, err := rt.Invoke(context.Background(), caller("tickets:analyze"), "tickets", "analyze", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Total                 int
		ByStatus              map[string]int `json:"by_status"`
		MedianResolutionHours float64        `json:"median_resolution_hours"`
		TopPhrases            []struct {
			Phrase string
			Count  int
		} `json:"top_phrases"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 3 || got.ByStatus["closed"] != 2 || got.MedianResolutionHours != 4 ||
		len(got.TopPhrases) == 0 || got.TopPhrases[0].Phrase != "vpn drops" || got.TopPhrases[0].Count != 2 {
		t.Fatalf("analyze = %s", out)
	}
}
