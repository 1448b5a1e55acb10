package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	sdk "github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/manifests"
)

// tool is one action as an MCP tool.
type tool struct {
	plugin, action string
	scopes         []string
	effect         manifests.Effect
	def            *mcpsdk.Tool
	// structured reports whether the output schema is an object, so the
	// output can be the result's structuredContent.
	structured bool
}

// toolsOf lists the actions of plugins as tools. An action whose input
// schema is not an object cannot be an MCP tool and is left out.
func toolsOf(plugins []*manifests.Manifest) map[string]tool {
	out := map[string]tool{}
	for _, m := range plugins {
		for _, a := range m.Actions {
			if !isObjectSchema(a.Input) {
				continue
			}
			t := tool{plugin: m.Name, action: a.Name, scopes: m.NamespacedScopes(a), effect: a.Effect, structured: isObjectSchema(a.Output)}
			t.def = &mcpsdk.Tool{
				Name:        manifests.ToolName(m.Name, a.Name),
				Title:       m.Name + "." + a.Name,
				Description: a.Description,
				InputSchema: a.Input,
				Annotations: annotations(m.Name+"."+a.Name, a.Effect),
			}
			if t.structured {
				t.def.OutputSchema = a.Output
			}
			out[t.def.Name] = t
		}
	}
	return out
}

// annotations are the MCP hints of an action's effect. Only read is
// read-only; only destructive is destructive. Every action may reach the
// hosts its manifest declares, so none is closed-world.
func annotations(title string, effect manifests.Effect) *mcpsdk.ToolAnnotations {
	destructive := effect == manifests.EffectDestructive
	return &mcpsdk.ToolAnnotations{
		Title:           title,
		ReadOnlyHint:    effect == manifests.EffectRead,
		DestructiveHint: &destructive,
	}
}

// isObjectSchema reports whether a JSON Schema declares type object.
func isObjectSchema(schema json.RawMessage) bool {
	var s struct {
		Type any `json:"type"`
	}
	return json.Unmarshal(schema, &s) == nil && s.Type == "object"
}

// sync makes the server's tools those of the runtime's plugins now. The SDK
// notifies sessions of each change.
func (s *Server) sync() {
	plugins := s.rt.Plugins()
	next := toolsOf(plugins)
	nextDecls := declsOf(plugins)
	s.mu.Lock()
	prev, prevDecls := s.tools, s.decls
	s.tools, s.decls = next, nextDecls
	s.mu.Unlock()
	s.syncDecls(prevDecls, nextDecls)
	var gone []string
	for name := range prev {
		if _, ok := next[name]; !ok {
			gone = append(gone, name)
		}
	}
	if len(gone) > 0 {
		s.mcp.RemoveTools(gone...)
	}
	for name, t := range next {
		if old, ok := prev[name]; ok && sameTool(old, t) {
			continue
		}
		s.mcp.AddTool(t.def, s.call(t))
	}
}

// sameTool reports whether a and b would be listed alike.
func sameTool(a, b tool) bool {
	ja, _ := json.Marshal(a.def)
	jb, _ := json.Marshal(b.def)
	return string(ja) == string(jb) && slices.Equal(a.scopes, b.scopes) && a.effect == b.effect
}

// lookup returns the tool of that name.
func (s *Server) lookup(name string) (tool, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tools[name]
	return t, ok
}

// call is the handler of one tool: the arguments go to Runtime.Invoke as
// the action's input, unchanged, once the approval policy lets them.
func (s *Server) call(t tool) mcpsdk.ToolHandler {
	plugin, action := t.plugin, t.action
	return func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		p, ok := principalFrom(req.Extra)
		if !ok {
			return nil, &sdk.Error{Code: sdk.CodeInvalidRequest, Message: "no authenticated principal"}
		}
		input := []byte(req.Params.Arguments)
		if len(input) == 0 || string(input) == "null" {
			input = []byte("{}")
		}
		if s.needsApproval(t) {
			// Ask only about a call that would run: the action exists, the
			// token may call it, the arguments match its schema.
			if err := s.rt.Check(p, plugin, action, input); err != nil {
				return toolError(err, nil)
			}
		}
		if why := s.approve(ctx, req, p, t, input); why != "" {
			return &mcpsdk.CallToolResult{IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "approval-required: " + why}}}, nil
		}
		ctx = host.WithMCPSession(ctx, req.Session.ID())
		cc := &callClient{ctx: ctx, req: req, plugin: plugin}
		out, err := s.rt.Invoke(withClient(ctx, cc), p, plugin, action, input)
		if err != nil {
			return toolError(err, cc.added())
		}
		res := s.result(plugin, action, out)
		if added := cc.added(); len(added) > 0 {
			res.Content = added
		}
		return res, nil
	}
}

// result is a successful call's result: the output as text and, when the
// output schema is an object, as structuredContent too. Content blocks the
// plugin added (pdk.AddContent) replace the text.
func (s *Server) result(plugin, action string, out []byte) *mcpsdk.CallToolResult {
	res := &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: string(out)}}}
	if t, ok := s.lookup(manifests.ToolName(plugin, action)); ok && t.structured {
		res.StructuredContent = json.RawMessage(out)
	}
	return res
}

// toolError reports a failed call. An action that does not exist (any more)
// or that the token may not call is a protocol error; everything else is a
// tool error (isError) the model can read, with the same caller-safe message
// REST gives.
func toolError(err error, added []mcpsdk.Content) (*mcpsdk.CallToolResult, error) {
	kind, msg := runs.Classify(err)
	switch {
	case errors.Is(err, host.ErrNotFound):
		return nil, &sdk.Error{Code: sdk.CodeInvalidParams, Message: msg}
	case errors.Is(err, host.ErrForbidden):
		return nil, &sdk.Error{Code: sdk.CodeInvalidParams, Message: msg}
	}
	res := &mcpsdk.CallToolResult{IsError: true, Content: append(added, &mcpsdk.TextContent{Text: kind + ": " + msg})}
	return res, nil
}

// filterLists leaves in a tools/list, resources/list,
// resources/templates/list or prompts/list answer only what the caller's
// token may call, read or render: anything not known here is left out.
func (s *Server) filterLists(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		p, _ := principalFrom(req.GetExtra())
		s.mu.RLock()
		defer s.mu.RUnlock()
		switch list := res.(type) {
		case *mcpsdk.ListToolsResult:
			cp := *list
			cp.Tools = allowed(list.Tools, func(d *mcpsdk.Tool) bool {
				t, ok := s.tools[d.Name]
				return ok && holdsAll(p, t.scopes)
			})
			return &cp, nil
		case *mcpsdk.ListResourcesResult:
			cp := *list
			cp.Resources = allowed(list.Resources, func(d *mcpsdk.Resource) bool { return mayUse(p, s.decls.resources, d.URI) })
			return &cp, nil
		case *mcpsdk.ListResourceTemplatesResult:
			cp := *list
			cp.ResourceTemplates = allowed(list.ResourceTemplates, func(d *mcpsdk.ResourceTemplate) bool { return mayUse(p, s.decls.templates, d.URITemplate) })
			return &cp, nil
		case *mcpsdk.ListPromptsResult:
			cp := *list
			cp.Prompts = allowed(list.Prompts, func(d *mcpsdk.Prompt) bool { return mayUse(p, s.decls.prompts, d.Name) })
			return &cp, nil
		}
		return res, nil
	}
}

func allowed[T any](items []T, may func(T) bool) []T {
	out := make([]T, 0, len(items))
	for _, it := range items {
		if may(it) {
			out = append(out, it)
		}
	}
	return out
}

// mayUse reports whether p holds the scopes of the action serving key.
func mayUse(p host.Principal, served map[string]served, key string) bool {
	d, ok := served[key]
	return ok && holdsAll(p, d.scopes)
}

func holdsAll(p host.Principal, scopes []string) bool {
	for _, sc := range scopes {
		if !p.HasScope(sc) {
			return false
		}
	}
	return true
}
