package mcp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

// TestChallenges: without a usable token /mcp answers 401 with MCP's
// challenge, naming the resource's RFC 9728 metadata and the scopes to ask
// for; a token for another audience (REST's) is refused like a bad one.
func TestChallenges(t *testing.T) {
	f := newFixture(t)
	metadata := `resource_metadata="` + f.http.URL + `/.well-known/oauth-protected-resource/mcp"`
	tests := []struct {
		name, token string
		header      []string
		wantError   string
	}{
		{"no token", "", nil, ""},
		{"garbage token", "not-a-jwt", nil, `error="invalid_token"`},
		{"token for the REST audience", f.token("", "echo:call"), nil, `error="invalid_token"`},
		{"token in the query string too", f.mcpToken(), nil, `error="invalid_request"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := f.url
			if strings.Contains(tt.name, "query") {
				target += "?access_token=" + tt.token
			}
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(initBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			www := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != 401 || !strings.Contains(www, metadata) || !strings.Contains(www, `scope="echo:call"`) ||
				!strings.Contains(www, tt.wantError) || (tt.wantError == "" && strings.Contains(www, "error=")) {
				t.Fatalf("%d %q", resp.StatusCode, www)
			}
		})
	}
}

// TestMetadata: the /mcp resource's RFC 9728 document names the resource
// exactly, SAA as its authorization server, and the tools' scopes.
func TestMetadata(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.http.URL + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		Scopes               []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
		t.Fatal(err)
	}
	if md.Resource != f.url || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != f.http.URL ||
		len(md.Scopes) != 1 || md.Scopes[0] != "echo:call" {
		t.Fatalf("metadata = %+v", md)
	}
}

// TestAudienceIsTheResource (RFC 8707): a token asked for /mcp carries it as
// aud and is refused on /v1; an unknown resource is invalid_target.
func TestAudienceIsTheResource(t *testing.T) {
	f := newFixture(t)
	id, secret := f.client("echo:call")
	if status, body := f.requestToken(id, secret, "https://elsewhere.example/mcp", "echo:call"); status != 400 || !strings.Contains(string(body), "invalid_target") {
		t.Fatalf("foreign resource: %d %s", status, body)
	}
	for _, tc := range []struct {
		resource string
		v1       int
	}{{f.url, 401}, {"", 200}} {
		tok := f.tokenFor(id, secret, tc.resource, "echo:call")
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/v1/ping", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.v1 {
			t.Errorf("resource %q on /v1: %d, want %d", tc.resource, resp.StatusCode, tc.v1)
		}
	}
}

// TestRevokedTokenMidSession: a session keeps working only as long as its
// token does; once revoked, the next request is 401.
func TestRevokedTokenMidSession(t *testing.T) {
	f := newFixture(t)
	id, secret := f.client("echo:call")
	tok := f.tokenFor(id, secret, f.url, "echo:call")
	sid := f.initialize(tok)
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo-echo","arguments":{"message":"x"}}}`
	if resp, body := f.post(tok, call, "Mcp-Session-Id", sid); resp.StatusCode != 200 || !strings.Contains(body, `\"message\":\"x\"`) {
		t.Fatalf("before revocation: %d %s", resp.StatusCode, body)
	}
	form := url.Values{"token": {tok}}
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+auth.RevokePath, strings.NewReader(form.Encode()))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, body := f.post(tok, call, "Mcp-Session-Id", sid); resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("after revocation: %d %s", resp.StatusCode, body)
	}
}
