package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// adminPassword is the admin user's password of the servers started here.
const adminPassword = "interop admin password"

// repo is the repository's root folder.
const repo = "../../.."

// saaBinary builds cmd/saa once per test binary: the clients talk to the
// real `saa serve`.
var saaBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "saa-mcp-interop-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "saa")
	out, err := exec.Command("go", "build", "-o", bin, repo+"/cmd/saa").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// requireNode fails, saying how to fix it, when the pinned Node or the
// packages are missing: CI must run these tests, never skip them.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := filepath.Abs("node_modules/.bin/node")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{node, "node_modules/@modelcontextprotocol/sdk/package.json", "node_modules/@modelcontextprotocol/conformance/package.json"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is missing: run `npm ci --prefix host/mcp/interop`", p)
		}
	}
	return node
}

// server is one `saa serve` process on loopback.
type server struct {
	t    *testing.T
	base string
}

// startServe runs `saa serve` with the manifests in pluginsDir and extra
// environment variables (NAME=value).
func startServe(t *testing.T, pluginsDir string, env ...string) *server {
	t.Helper()
	bin, err := saaBinary()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "SAA_ADDR="+addr, "SAA_DATA_DIR="+t.TempDir(), "SAA_PLUGINS_DIR="+pluginsDir,
		"SAA_PUBLIC_URL=", "SAA_ADMIN_PASSWORD="+adminPassword, "ENVIRONMENT=local")
	cmd.Env = append(cmd.Env, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("saa serve stderr:\n%.4000s", stderr.String())
		}
	})
	s := &server{t: t, base: "http://" + addr}
	deadline := time.Now().Add(180 * time.Second) // compiling every plugin on a loaded machine
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("saa serve not ready: %v", err)
		}
		<-time.After(50 * time.Millisecond)
	}
}

// mcpToken creates a client allowed scopes through the admin API and
// returns a token for /mcp (RFC 8707 resource).
func (s *server) mcpToken(scopes ...string) string {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "interop", "scopes": scopes})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/admin/api/v1/clients", strings.NewReader(string(body)))
	req.SetBasicAuth("admin", adminPassword)
	req.Header.Set("Content-Type", "application/json")
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	s.do(req, http.StatusCreated, &c)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}, "resource": {s.base + "/mcp"}}
	req, _ = http.NewRequest(http.MethodPost, s.base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(c.ID, c.Secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.do(req, http.StatusOK, &tok)
	return tok.AccessToken
}

func (s *server) do(req *http.Request, want int, v any) {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want || json.Unmarshal(body, v) != nil {
		s.t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
}
