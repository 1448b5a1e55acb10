package mcp_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
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
	var (
		mu   sync.Mutex
		logs []string
	)
	opts := &sdk.ClientOptions{
		CreateMessageHandler: func(_ context.Context, r *sdk.CreateMessageRequest) (*sdk.CreateMessageResult, error) {
			prompt := r.Params.Messages[0].Content.(*sdk.TextContent).Text
			return &sdk.CreateMessageResult{Model: "test", Role: "assistant", Content: &sdk.TextContent{Text: "echo " + prompt}}, nil
		},
		ElicitationHandler: func(_ context.Context, r *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
			return &sdk.ElicitResult{Action: "accept", Content: map[string]any{"username": "ada", "email": "ada@example.com"}}, nil
		},
		LoggingMessageHandler: func(_ context.Context, r *sdk.LoggingMessageRequest) {
			mu.Lock()
			defer mu.Unlock()
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
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(logs) != 3 || logs[0] != "Tool execution started" {
			return fmt.Errorf("%w: client logs %q", errNotYet, logs)
		}
		return nil
	})
}

// TestNoClientOutsideMCP: called in-process (as REST does), a plugin that
// needs a client gets a clear error instead of hanging, and progress, which
// nobody asked for, is a no-op.
func TestNoClientOutsideMCP(t *testing.T) {
	f := newFixture(t, conformancePlugin())
	p := host.Principal{ClientID: "local", Subject: "local", Scopes: []string{"conformance:call"}}
	_, err := f.rt.Invoke(context.Background(), p, "conformance", "test_sampling", []byte(`{"prompt":"x"}`))
	if !errors.Is(err, host.ErrPluginFailed) || !strings.Contains(err.Error(), "no client") {
		t.Fatalf("sampling without a client: %v", err)
	}
	if _, err := f.rt.Invoke(context.Background(), p, "conformance", "test_tool_with_progress", []byte(`{}`)); err == nil ||
		!strings.Contains(err.Error(), "content: client operation failed: no client") || strings.Contains(err.Error(), "progress:") {
		// Progress passes, then the result's text content needs a client.
		t.Fatalf("progress without a client: %v", err)
	}
}
