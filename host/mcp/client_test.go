package mcp_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/plugintest"
)

// conformancePlugin is plugins/conformance, whose tools use every client
// function of the PDK.
func conformancePlugin() plugintest.Plugin {
	dir := filepath.Join(plugintest.Repo(), "plugins", "conformance")
	return plugintest.Plugin{Source: dir, Manifest: filepath.Join(dir, "manifest.yaml")}
}

// TestPluginReachesTheClient: a plugin logs to the client, reports
// progress, asks the client's model (sampling) and the user (elicitation),
// and adds content blocks, all from inside the sandbox.
func TestPluginReachesTheClient(t *testing.T) {
	f := newFixture(t, conformancePlugin())
	var logs []string
	opts := &sdk.ClientOptions{
		CreateMessageHandler: func(_ context.Context, r *sdk.CreateMessageRequest) (*sdk.CreateMessageResult, error) {
			prompt := r.Params.Messages[0].Content.(*sdk.TextContent).Text
			return &sdk.CreateMessageResult{Model: "test", Role: "assistant", Content: &sdk.TextContent{Text: "echo " + prompt}}, nil
		},
		ElicitationHandler: func(_ context.Context, r *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
			return &sdk.ElicitResult{Action: "accept", Content: map[string]any{"username": "ada", "email": "ada@example.com"}}, nil
		},
		LoggingMessageHandler: func(_ context.Context, r *sdk.LoggingMessageRequest) {
			logs = append(logs, r.Params.Data.(string))
		},
	}
	s := f.connect(f.token(f.url, "conformance:call"), opts)
	ctx := context.Background()
	if err := s.SetLoggingLevel(ctx, &sdk.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"conformance-test_sampling", map[string]any{"prompt": "hi"}, "LLM response: echo hi"},
		{"conformance-test_elicitation", map[string]any{"message": "who?"}, `"username":"ada"`},
		{"conformance-test_tool_with_logging", nil, "executed successfully"},
	}
	for _, tt := range tests {
		res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: tt.tool, Arguments: tt.args})
		if err != nil {
			t.Fatalf("%s: %v", tt.tool, err)
		}
		if res.IsError || !strings.Contains(res.Content[0].(*sdk.TextContent).Text, tt.want) {
			t.Errorf("%s: %+v", tt.tool, res.Content[0])
		}
	}
	t.Log(logs)
}
