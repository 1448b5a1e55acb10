package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/mcp"
	"github.com/secure-agent/saa/host/plugintest"
)

// fixture is a real server on 127.0.0.1: a runtime with the echo plugin,
// the authorization server and /mcp.
type fixture struct {
	t    testing.TB
	rt   *host.Runtime
	auth *auth.Server
	mcp  *mcp.Server
	http *httptest.Server
	url  string // of /mcp
	// pluginsDir holds the manifests and modules the runtime loaded.
	pluginsDir string
}

// newFixture starts a server with echo, or with plugins if given.
func newFixture(t testing.TB, plugins ...plugintest.Plugin) *fixture {
	t.Helper()
	return newFixtureWith(t, nil, plugins...)
}

// newFixtureWith is newFixture with the runtime's config adjusted by adjust.
func newFixtureWith(t testing.TB, adjust func(*host.Config), plugins ...plugintest.Plugin) *fixture {
	t.Helper()
	return newFixtureMCP(t, adjust, nil, plugins...)
}

// newFixtureMCP is newFixtureWith with the MCP server's config adjusted by
// adjustMCP too.
func newFixtureMCP(t testing.TB, adjust func(*host.Config), adjustMCP func(*mcp.Config), plugins ...plugintest.Plugin) *fixture {
	t.Helper()
	ctx := context.Background()
	hc := host.DefaultConfig()
	if adjust != nil {
		adjust(&hc)
	}
	if len(plugins) == 0 {
		plugins = []plugintest.Plugin{plugintest.FirstParty("echo")}
	}
	hc.DataDir, hc.PluginsDir = t.TempDir(), plugintest.Install(t, plugins...)
	hc.Logger = slog.New(slog.DiscardHandler)
	rt, err := host.New(ctx, hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	f := &fixture{t: t, rt: rt, pluginsDir: hc.PluginsDir}
	f.http = httptest.NewUnstartedServer(nil)
	publicURL := "http://" + f.http.Listener.Addr().String()
	ac := auth.DefaultConfig()
	ac.PublicURL, ac.DataDir, ac.Store, ac.Logger = publicURL, hc.DataDir, rt.DB().Auth(), hc.Logger
	ac.Resources = []string{publicURL + mcp.Path}
	if f.auth, err = auth.New(ac); err != nil {
		t.Fatal(err)
	}
	mc := mcp.Config{Runtime: rt, Verifier: f.auth.Verifier(), PublicURL: publicURL, Logger: hc.Logger}
	if adjustMCP != nil {
		adjustMCP(&mc)
	}
	f.mcp, err = mcp.New(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.mcp.Close)
	r := chi.NewRouter()
	f.auth.Routes(r)
	f.mcp.Routes(r, nil)
	r.With(f.auth.Verifier().Authenticate).Get("/v1/ping", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "pong") })
	f.http.Config.Handler = r
	f.http.Start()
	t.Cleanup(f.http.Close)
	f.url = f.http.URL + mcp.Path
	return f
}

// client creates a client allowed scopes and returns its id and secret.
func (f *fixture) client(scopes ...string) (id, secret string) {
	f.t.Helper()
	c, secret, err := f.auth.Clients().Create(context.Background(), "test", scopes)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID, secret
}

// token returns a token for a new client granted scopes, for resource
// ("" asks for none: the REST audience).
func (f *fixture) token(resource string, scopes ...string) string {
	f.t.Helper()
	id, secret := f.client(scopes...)
	return f.tokenFor(id, secret, resource, scopes...)
}

func (f *fixture) tokenFor(id, secret, resource string, scopes ...string) string {
	f.t.Helper()
	status, body := f.requestToken(id, secret, resource, scopes...)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tok) != nil {
		f.t.Fatalf("token: %d %s", status, body)
	}
	return tok.AccessToken
}

func (f *fixture) requestToken(id, secret, resource string, scopes ...string) (int, []byte) {
	f.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}}
	if resource != "" {
		form.Set("resource", resource)
	}
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+auth.TokenPath, strings.NewReader(form.Encode()))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// mcpToken is a token for /mcp granted echo:call.
func (f *fixture) mcpToken() string { return f.token(f.url, "echo:call") }

// bearer adds a bearer token to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// connect opens a Go SDK client session over Streamable HTTP with token.
func (f *fixture) connect(token string, opts *sdk.ClientOptions) *sdk.ClientSession {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, opts)
	s, err := c.Connect(ctx, &sdk.StreamableClientTransport{
		Endpoint:   f.url,
		HTTPClient: &http.Client{Transport: bearer{token, http.DefaultTransport}},
		MaxRetries: -1,
	}, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

// post sends one raw JSON-RPC body to /mcp with token and extra headers
// (name, value pairs).
func (f *fixture) post(token, body string, headers ...string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// initialize opens a session by hand and returns its id.
func (f *fixture) initialize(token string) string {
	f.t.Helper()
	resp, body := f.post(token, initBody)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || id == "" {
		f.t.Fatalf("initialize: %d %q %s", resp.StatusCode, id, body)
	}
	if r, b := f.post(token, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "Mcp-Session-Id", id); r.StatusCode/100 != 2 {
		f.t.Fatalf("initialized: %d %s", r.StatusCode, b)
	}
	return id
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

// errNotYet is what a checkFor condition returns until it holds.
var errNotYet = errors.New("not yet")

// checkFor polls fn until it returns nil or timeout passes.
func checkFor(t testing.TB, timeout, interval time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		<-time.After(interval)
	}
}
