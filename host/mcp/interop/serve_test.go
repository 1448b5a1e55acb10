package interop

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearer adds a bearer token to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestServeWiresMCP: the real binary serves the agents of SAA_AGENTS_DIR as
// prompts, the datasets of SAA_SEMANTIC_DIR as resources, and applies
// SAA_MCP_APPROVAL (here all: a client that cannot be asked is refused).
func TestServeWiresMCP(t *testing.T) {
	manifests, _ := filepath.Abs(repo + "/manifests")
	semanticDir, _ := filepath.Abs(repo + "/semantic/models")
	s := startServe(t, manifests, "SAA_AGENTS_DIR="+filepath.Join(manifests, "agents"), "SAA_SEMANTIC_DIR="+semanticDir, "SAA_MCP_APPROVAL=all")
	token := s.mcpToken("echo:call", "semantic:read", "agents:triage")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := sdk.NewClient(&sdk.Implementation{Name: "interop", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: s.base + "/mcp", HTTPClient: &http.Client{Transport: bearer{token}}, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "agents-triage" {
		t.Fatalf("prompts = %+v, %v", prompts, err)
	}
	res, err := cs.ListResources(ctx, nil)
	if err != nil || len(res.Resources) == 0 || !strings.HasPrefix(res.Resources[0].URI, "saa://semantic/datasets/") {
		t.Fatalf("resources = %+v, %v", res, err)
	}
	call, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "echo-echo", Arguments: map[string]any{"message": "hi"}})
	if err != nil || !call.IsError || !strings.Contains(call.Content[0].(*sdk.TextContent).Text, "approval") {
		t.Fatalf("call under SAA_MCP_APPROVAL=all without elicitation = %+v, %v", call, err)
	}
}

// TestServeRefusesUnknownApprovalPolicy: a typo in SAA_MCP_APPROVAL stops
// the server at start rather than serving with a policy nobody chose.
func TestServeRefusesUnknownApprovalPolicy(t *testing.T) {
	bin, err := saaBinary()
	if err != nil {
		t.Fatal(err)
	}
	manifests, _ := filepath.Abs(repo + "/manifests")
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "SAA_ADDR=127.0.0.1:0", "SAA_DATA_DIR="+t.TempDir(), "SAA_PLUGINS_DIR="+manifests,
		"SAA_PUBLIC_URL=", "SAA_ADMIN_PASSWORD="+adminPassword, "ENVIRONMENT=local", "SAA_MCP_APPROVAL=write")
	out, err := cmd.CombinedOutput()
	if err == nil || ctx.Err() != nil || !strings.Contains(string(out), "approval policy must be none, writes or all") {
		t.Fatalf("serve with SAA_MCP_APPROVAL=write: %v\n%.2000s", err, out)
	}
}
