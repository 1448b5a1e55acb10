package interop

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inspector is the official MCP Inspector's command-line client, from the
// package pinned in package.json.
const inspector = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"

// TestInspectorCLI: the MCP Inspector's CLI, with a bearer token in
// --header, lists the tools and calls echo on the real binary; without the
// token it gets nothing.
func TestInspectorCLI(t *testing.T) {
	node := requireNode(t)
	if _, err := os.Stat(inspector); err != nil {
		t.Fatalf("%s is missing: run `npm ci --prefix host/mcp/interop`", inspector)
	}
	manifests, _ := filepath.Abs(repo + "/manifests")
	s := startServe(t, manifests)
	token := s.mcpToken("echo:call")
	home := t.TempDir()
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, append([]string{inspector, "--cli", s.base + "/mcp", "--transport", "http"}, args...)...)
		// The CLI keeps a catalog of servers under the home folder: keep
		// it in the test's.
		cmd.Env = append(os.Environ(), "HOME="+home, "MCP_CATALOG_PATH="+filepath.Join(home, "mcp.json"))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out) + stderr.String(), err
		}
		return string(out), nil
	}
	auth := "Authorization: Bearer " + token

	out, err := run("--header", auth, "--method", "tools/list")
	if err != nil {
		t.Fatalf("tools/list: %v\n%s", err, out)
	}
	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Tools) != 1 || list.Tools[0].Name != "echo-echo" {
		t.Fatalf("tools/list = %v %s", err, out)
	}

	out, err = run("--header", auth, "--method", "tools/call", "--tool-name", "echo-echo", "--tool-arg", "message=hi from the inspector")
	if err != nil {
		t.Fatalf("tools/call: %v\n%s", err, out)
	}
	var call struct {
		StructuredContent map[string]string `json:"structuredContent"`
		IsError           bool              `json:"isError"`
	}
	if err := json.Unmarshal([]byte(out), &call); err != nil || call.IsError || call.StructuredContent["message"] != "hi from the inspector" {
		t.Fatalf("tools/call = %v %s", err, out)
	}

	if out, err := run("--method", "tools/list"); err == nil || strings.Contains(out, "echo-echo") {
		t.Fatalf("without a token: %v %s", err, out)
	}
}
