package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/audit"
)

// TestGoClientListsAndCallsEcho is the Go SDK's own client over Streamable
// HTTP with a bearer token: it lists echo with its schemas and annotations,
// calls it, and the audit log records the call with the session id.
func TestGoClientListsAndCallsEcho(t *testing.T) {
	f := newFixture(t)
	s := f.connect(f.mcpToken(), nil)
	ctx := context.Background()

	list, err := s.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) != 1 || list.Tools[0].Name != "echo-echo" {
		t.Fatalf("tools = %+v, want echo-echo only", list.Tools)
	}
	tool := list.Tools[0]
	if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint || *tool.Annotations.DestructiveHint {
		t.Errorf("annotations = %+v, want read-only, not destructive", tool.Annotations)
	}
	if in, _ := json.Marshal(tool.InputSchema); !strings.Contains(string(in), `"required":["message"]`) {
		t.Errorf("input schema = %s", in)
	}
	if tool.OutputSchema == nil || tool.Description == "" || tool.Title != "echo.echo" {
		t.Errorf("tool = %+v", tool)
	}

	res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: "echo-echo", Arguments: map[string]any{"message": "hi over mcp"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("call failed: %+v", res.Content)
	}
	sc, _ := json.Marshal(res.StructuredContent)
	if string(sc) != `{"message":"hi over mcp"}` {
		t.Errorf("structuredContent = %s", sc)
	}
	if text := res.Content[0].(*sdk.TextContent).Text; text != `{"message":"hi over mcp"}` {
		t.Errorf("text = %q", text)
	}

	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		page, err := f.rt.Audit().List(ctx, audit.Filter{Plugin: "echo"})
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			if e.MCPSession == s.ID() && e.Outcome == audit.OutcomeOK && e.Action == "echo" {
				return nil
			}
		}
		return fmt.Errorf("%w: no audit entry with session %s in %+v", errNotYet, s.ID(), page.Entries)
	})
}

// TestInvalidInputIsAToolError: the runtime's schema check refuses the
// input, and the model reads why (isError), as MCP wants.
func TestInvalidInputIsAToolError(t *testing.T) {
	f := newFixture(t)
	s := f.connect(f.mcpToken(), nil)
	res, err := s.CallTool(context.Background(), &sdk.CallToolParams{Name: "echo-echo", Arguments: map[string]any{"nope": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.HasPrefix(res.Content[0].(*sdk.TextContent).Text, "invalid-input") {
		t.Fatalf("result = %+v, want an invalid-input tool error", res.Content[0])
	}
	if _, err := s.CallTool(context.Background(), &sdk.CallToolParams{Name: "echo-nope", Arguments: map[string]any{}}); err == nil {
		t.Fatal("an unknown tool was called")
	}
}

// TestToolsAreThoseTheTokenMayCall: a token without echo:call lists no
// tools, and calling echo anyway is refused with 403 insufficient_scope.
func TestToolsAreThoseTheTokenMayCall(t *testing.T) {
	f := newFixture(t)
	tok := f.token(f.url, "introspect")
	s := f.connect(tok, nil)
	list, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) != 0 {
		t.Fatalf("tools = %+v, want none", list.Tools)
	}
	id := f.initialize(tok)
	resp, body := f.post(tok, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo-echo","arguments":{"message":"x"}}}`, "Mcp-Session-Id", id)
	www := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != 403 || !strings.Contains(www, `error="insufficient_scope"`) || !strings.Contains(www, `scope="echo:call"`) ||
		!strings.Contains(www, `resource_metadata="`+f.http.URL+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Fatalf("call without scope: %d %q %s", resp.StatusCode, www, body)
	}
}

// TestToolListChangedFollowsPlugins: removing a plugin (as disabling does)
// and installing it again (as approving or rolling back does) notifies the
// session, whose next list follows.
func TestToolListChangedFollowsPlugins(t *testing.T) {
	f := newFixture(t)
	changed := make(chan struct{}, 8)
	s := f.connect(f.mcpToken(), &sdk.ClientOptions{ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) {
		changed <- struct{}{}
	}})
	ctx := context.Background()
	m := f.rt.Plugins()[0]
	wasm, _ := filepath.Glob(filepath.Join(f.pluginsDir, "*.wasm"))
	if len(wasm) != 1 {
		t.Fatalf("modules in the plugins dir: %v", wasm)
	}
	code, err := os.ReadFile(wasm[0])
	if err != nil {
		t.Fatal(err)
	}
	if !f.rt.Remove("echo") {
		t.Fatal("echo was not active")
	}
	waitChanged(t, changed)
	if list, err := s.ListTools(ctx, nil); err != nil || len(list.Tools) != 0 {
		t.Fatalf("after removal: %+v %v", list, err)
	}
	if err := f.rt.Install(ctx, m, code); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, changed)
	if list, err := s.ListTools(ctx, nil); err != nil || len(list.Tools) != 1 {
		t.Fatalf("after install: %+v %v", list, err)
	}
}

func waitChanged(t *testing.T, ch chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no notifications/tools/list_changed")
	}
}
