package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/wasm"
	"github.com/secure-agent/saa/pdk/wire"
)

// maxContentBlocks bounds what one call may add to its result.
const maxContentBlocks = 64

// callClient is what a plugin reaches, through the PDK's client functions,
// during one tool call: the MCP session that made the call.
type callClient struct {
	ctx    context.Context // the tool call's: server-to-client requests relate to it
	req    *mcpsdk.CallToolRequest
	plugin string

	mu      sync.Mutex
	content []mcpsdk.Content
}

// handle answers one guest operation.
func (c *callClient) handle(_ context.Context, r wire.ClientRequest) wire.ClientResponse {
	var (
		result any
		err    error
	)
	switch r.Op {
	case wire.OpLog:
		err = c.log(r.Params)
	case wire.OpProgress:
		err = c.progress(r.Params)
	case wire.OpSample:
		var p mcpsdk.CreateMessageParams
		if err = json.Unmarshal(r.Params, &p); err == nil {
			result, err = c.req.Session.CreateMessage(c.ctx, &p)
		}
	case wire.OpElicit:
		var p mcpsdk.ElicitParams
		if err = json.Unmarshal(r.Params, &p); err == nil {
			result, err = c.req.Session.Elicit(c.ctx, &p)
		}
	case wire.OpContent:
		err = c.addContent(r.Params)
	default:
		err = fmt.Errorf("unknown operation %q", r.Op)
	}
	if err != nil {
		return wire.ClientResponse{Error: err.Error()}
	}
	if result == nil {
		return wire.ClientResponse{}
	}
	b, err := json.Marshal(result)
	if err != nil {
		return wire.ClientResponse{Error: "encode result: " + err.Error()}
	}
	return wire.ClientResponse{Result: b}
}

func (c *callClient) log(params json.RawMessage) error {
	var l wire.ClientLog
	if err := json.Unmarshal(params, &l); err != nil {
		return fmt.Errorf("decode log: %w", err)
	}
	if l.Logger == "" {
		l.Logger = c.plugin
	}
	return c.req.Session.Log(c.ctx, &mcpsdk.LoggingMessageParams{Level: mcpsdk.LoggingLevel(l.Level), Logger: l.Logger, Data: l.Data})
}

// progress notifies the client if it asked for progress, else does nothing.
func (c *callClient) progress(params json.RawMessage) error {
	var p wire.ClientProgress
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode progress: %w", err)
	}
	token := c.req.Params.GetProgressToken()
	if token == nil {
		return nil
	}
	return c.req.Session.NotifyProgress(c.ctx, &mcpsdk.ProgressNotificationParams{
		ProgressToken: token, Progress: p.Progress, Total: p.Total, Message: p.Message,
	})
}

// addContent decodes one MCP content block with the SDK's own decoder.
func (c *callClient) addContent(block json.RawMessage) error {
	var res mcpsdk.CallToolResult
	doc := append(append([]byte(`{"content":[`), block...), "]}"...)
	if err := json.Unmarshal(doc, &res); err != nil || len(res.Content) != 1 {
		return fmt.Errorf("not one MCP content block: %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.content) >= maxContentBlocks {
		return fmt.Errorf("more than %d content blocks", maxContentBlocks)
	}
	c.content = append(c.content, res.Content[0])
	return nil
}

// added returns the content blocks the plugin added.
func (c *callClient) added() []mcpsdk.Content {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.content
}

// withClient returns ctx whose plugin call reaches c.
func withClient(ctx context.Context, c *callClient) context.Context {
	return wasm.WithClient(ctx, c.handle)
}
