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

// TestTypeScriptClient: the TypeScript SDK's Client over
// StreamableHTTPClientTransport, with a bearer token, lists the tools and
// calls echo on the real binary.
func TestTypeScriptClient(t *testing.T) {
	node := requireNode(t)
	if _, err := os.Stat(repo + "/plugins/echo/echo.wasm"); err != nil {
		t.Fatalf("plugins are not built: run make build (%v)", err)
	}
	manifests, _ := filepath.Abs(repo + "/manifests")
	s := startServe(t, manifests)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs")
	cmd.Env = append(os.Environ(), "SAA_MCP_URL="+s.base+"/mcp", "SAA_TOKEN="+s.mcpToken("echo:call"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node client.mjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		Session string `json:"session"`
		Tools   []struct {
			Name            string `json:"name"`
			ReadOnly        bool   `json:"readOnly"`
			HasOutputSchema bool   `json:"hasOutputSchema"`
		} `json:"tools"`
		Structured map[string]string `json:"structured"`
		Text       string            `json:"text"`
		IsError    bool              `json:"isError"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if got.Session == "" || len(got.Tools) != 1 || got.Tools[0].Name != "echo-echo" || !got.Tools[0].ReadOnly || !got.Tools[0].HasOutputSchema {
		t.Errorf("session and tools = %+v", got)
	}
	if got.IsError || got.Structured["message"] != "hi from typescript" || got.Text != `{"message":"hi from typescript"}` {
		t.Errorf("call = %+v", got)
	}
}
