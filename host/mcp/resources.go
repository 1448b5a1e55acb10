package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/manifests"
)

// decls are the resources, templates and prompts plugins declare, each
// served by one action through Runtime.Invoke (same scopes, sandbox and
// audit as a tool call).
type decls struct {
	resources map[string]served // by URI
	templates map[string]served // by URI template
	prompts   map[string]served // by name
	// subscribable are the URIs clients may subscribe to.
	subscribable map[string]bool
}

type served struct {
	plugin, action string
	scopes         []string       // of the serving action: the lists show only what the caller may read
	match          *regexp.Regexp // templates only: the variables as named groups
	resource       *mcpsdk.Resource
	template       *mcpsdk.ResourceTemplate
	prompt         *mcpsdk.Prompt
}

func declsOf(plugins []*manifests.Manifest) decls {
	d := decls{resources: map[string]served{}, templates: map[string]served{}, prompts: map[string]served{}, subscribable: map[string]bool{}}
	for _, m := range plugins {
		for _, r := range m.Resources {
			a, ok := m.Action(r.Action)
			if !ok { // Parse rejects this; never serve what no action guards
				continue
			}
			s := served{plugin: m.Name, action: r.Action, scopes: m.NamespacedScopes(a)}
			if r.URI != "" {
				s.resource = &mcpsdk.Resource{URI: r.URI, Name: r.Name, Description: r.Description, MIMEType: r.MIMEType}
				d.resources[r.URI] = s
				d.subscribable[r.URI] = r.Subscribe
				continue
			}
			s.template = &mcpsdk.ResourceTemplate{URITemplate: r.URITemplate, Name: r.Name, Description: r.Description, MIMEType: r.MIMEType}
			s.match = templateRegexp(r.URITemplate)
			d.templates[r.URITemplate] = s
		}
		for _, p := range m.Prompts {
			a, ok := m.Action(p.Action)
			if !ok {
				continue
			}
			// Named like tools, "<plugin>-<prompt>", so no plugin can take
			// another's prompt.
			def := &mcpsdk.Prompt{Name: manifests.ToolName(m.Name, p.Name), Title: m.Name + "." + p.Name, Description: p.Description}
			for _, a := range p.Arguments {
				def.Arguments = append(def.Arguments, &mcpsdk.PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required})
			}
			d.prompts[def.Name] = served{plugin: m.Name, action: p.Action, scopes: m.NamespacedScopes(a), prompt: def}
		}
	}
	return d
}

// templateRegexp matches URIs of a level-1 template: each {name} matches
// one non-empty path segment.
func templateRegexp(t string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for {
		open := strings.IndexByte(t, '{')
		if open < 0 {
			b.WriteString(regexp.QuoteMeta(t))
			break
		}
		end := strings.IndexByte(t, '}')
		b.WriteString(regexp.QuoteMeta(t[:open]))
		fmt.Fprintf(&b, "(?P<%s>[^/?#]+)", regexp.QuoteMeta(t[open+1:end]))
		t = t[end+1:]
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil { // a variable name that is not a valid group name
		return regexp.MustCompile(`^\z.`) // matches nothing
	}
	return re
}

// syncDecls replaces the registered resources, templates and prompts with
// those of next. The SDK notifies sessions of each change.
func (s *Server) syncDecls(prev, next decls) {
	for uri := range prev.resources {
		s.mcp.RemoveResources(uri)
	}
	for t := range prev.templates {
		s.mcp.RemoveResourceTemplates(t)
	}
	for name := range prev.prompts {
		s.mcp.RemovePrompts(name)
	}
	for _, r := range next.resources {
		s.mcp.AddResource(r.resource, s.readResource(r))
	}
	for _, t := range next.templates {
		s.mcp.AddResourceTemplate(t.template, s.readResource(t))
	}
	for _, p := range next.prompts {
		s.mcp.AddPrompt(p.prompt, s.getPrompt(p))
	}
}

// readResource reads through the serving action: its input is the URI and
// the template's variables, its output the resources/read result.
func (s *Server) readResource(r served) mcpsdk.ResourceHandler {
	return func(ctx context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
		in := map[string]string{}
		if r.match != nil {
			m := r.match.FindStringSubmatch(req.Params.URI)
			if m == nil {
				return nil, mcpsdk.ResourceNotFoundError(req.Params.URI)
			}
			for i, name := range r.match.SubexpNames() {
				if name != "" && name != "uri" {
					in[name] = m[i]
				}
			}
		}
		in["uri"] = req.Params.URI
		var res mcpsdk.ReadResourceResult
		if err := s.invokeInto(ctx, req.Extra, req.Session.ID(), r, in, &res); err != nil {
			return nil, err
		}
		return &res, nil
	}
}

// getPrompt renders through the serving action: its input is the
// arguments, its output the prompts/get result.
func (s *Server) getPrompt(p served) mcpsdk.PromptHandler {
	return func(ctx context.Context, req *mcpsdk.GetPromptRequest) (*mcpsdk.GetPromptResult, error) {
		in := req.Params.Arguments
		if in == nil {
			in = map[string]string{}
		}
		var res mcpsdk.GetPromptResult
		if err := s.invokeInto(ctx, req.Extra, req.Session.ID(), p, in, &res); err != nil {
			return nil, err
		}
		return &res, nil
	}
}

// invokeInto calls the serving action as the request's principal and
// decodes its output into out. Failures are protocol errors with the
// caller-safe message REST gives.
func (s *Server) invokeInto(ctx context.Context, extra *mcpsdk.RequestExtra, session string, d served, in any, out any) error {
	p, ok := principalFrom(extra)
	if !ok {
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: "no authenticated principal"}
	}
	input, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode input: %w", err)
	}
	ctx = host.WithMCPSession(ctx, session)
	raw, err := s.rt.Invoke(ctx, p, d.plugin, d.action, input)
	if err != nil {
		kind, msg := runs.Classify(err)
		if errors.Is(err, host.ErrNotFound) || errors.Is(err, host.ErrForbidden) {
			return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: msg}
		}
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: kind + ": " + msg}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "plugin output is not a valid MCP result"}
	}
	return nil
}

// subscribe accepts a subscription to a resource declared subscribable.
// Updates are not sent yet: no plugin can report a change.
func (s *Server) subscribe(_ context.Context, req *mcpsdk.SubscribeRequest) error {
	return s.checkSubscribable(req.Params.URI)
}

func (s *Server) unsubscribe(_ context.Context, req *mcpsdk.UnsubscribeRequest) error {
	return s.checkSubscribable(req.Params.URI)
}

func (s *Server) checkSubscribable(uri string) error {
	s.mu.RLock()
	ok := s.decls.subscribable[uri]
	s.mu.RUnlock()
	if !ok {
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "resource is not subscribable"}
	}
	return nil
}

// complete answers completion requests for declared prompts and
// templates with no suggestions: no manifest declares argument values yet.
func (s *Server) complete(_ context.Context, req *mcpsdk.CompleteRequest) (*mcpsdk.CompleteResult, error) {
	if req.Params == nil || req.Params.Ref == nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing ref"}
	}
	// Known only to those who may use it: the answer must not tell others
	// that a prompt or template exists.
	p, _ := principalFrom(req.Extra)
	ref := req.Params.Ref
	s.mu.RLock()
	known := mayUse(p, s.decls.prompts, ref.Name) || mayUse(p, s.decls.templates, ref.URI)
	s.mu.RUnlock()
	if d, ok := s.agents()[strings.TrimPrefix(ref.Name, agentPromptPrefix)]; ok && strings.HasPrefix(ref.Name, agentPromptPrefix) {
		known = known || p.HasScope(agents.ScopeRunPrefix+d.Name)
	}
	if !known {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unknown prompt or resource template"}
	}
	return &mcpsdk.CompleteResult{Completion: mcpsdk.CompletionResultDetails{Values: []string{}}}, nil
}
