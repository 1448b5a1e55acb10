package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/semantic"
)

// maxListedHandles bounds the caller's handles resources/list shows.
const maxListedHandles = 100

// agentPromptPrefix starts the name of an agent's prompt. Plugin prompts
// are "<plugin>-<prompt>" and no plugin may be called "agents"
// (host/hostscope), so no plugin can take an agent's prompt.
const agentPromptPrefix = "agents-"

// serveOwn serves what the host itself offers beside the plugins' tools,
// resources and prompts: the semantic layer's datasets and the caller's RAG
// handles as saa:// resources, and one prompt per agent definition. It
// answers reads of saa:// URIs and gets of agent prompts itself, before any
// plugin could, and adds to the first page of each list what the caller
// may use — with exactly the checks of the REST routes.
func (s *Server) serveOwn(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		p, _ := principalFrom(req.GetExtra())
		switch r := req.(type) {
		case *mcpsdk.ReadResourceRequest:
			if r.Params != nil && isOwnURI(r.Params.URI) {
				return s.readOwn(ctx, p, r.Params.URI)
			}
		case *mcpsdk.GetPromptRequest:
			if r.Params != nil && strings.HasPrefix(r.Params.Name, agentPromptPrefix) {
				return s.agentPrompt(p, r.Params.Name, r.Params.Arguments)
			}
		}
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		switch list := res.(type) {
		case *mcpsdk.ListResourcesResult:
			if firstPage(req) {
				list.Resources = append(list.Resources, s.ownResources(p)...)
			}
		case *mcpsdk.ListResourceTemplatesResult:
			if firstPage(req) {
				list.ResourceTemplates = append(list.ResourceTemplates, s.ownTemplates(p)...)
			}
		case *mcpsdk.ListPromptsResult:
			if firstPage(req) {
				list.Prompts = append(list.Prompts, s.agentPrompts(p)...)
			}
		}
		return res, nil
	}
}

// firstPage reports whether a list request asks for the first page.
func firstPage(req mcpsdk.Request) bool { return cursorOf(req) == "" }

// cursorOf returns a list request's cursor.
func cursorOf(req mcpsdk.Request) string {
	switch r := req.(type) {
	case *mcpsdk.ListResourcesRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	case *mcpsdk.ListResourceTemplatesRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	case *mcpsdk.ListPromptsRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	}
	return ""
}

// readsSemantic reports whether p may read the semantic layer at all, as
// GET /v1/semantic/... asks.
func (s *Server) readsSemantic(p host.Principal) bool {
	return s.cfg.Semantic != nil && p.HasScope(semantic.ScopeRead)
}

// ownResources are the datasets p may see and p's live handles.
func (s *Server) ownResources(p host.Principal) []*mcpsdk.Resource {
	var out []*mcpsdk.Resource
	if s.readsSemantic(p) {
		for _, d := range s.cfg.Semantic.Summaries(semantic.WithScopes(p.Scopes)) {
			out = append(out, &mcpsdk.Resource{
				URI: "saa://semantic/datasets/" + url.PathEscape(d.Name), Name: "dataset-" + d.Name,
				Title: "Dataset " + d.Name, Description: d.Description, MIMEType: "application/json",
			})
		}
	}
	for _, h := range s.rt.Handles(p, maxListedHandles) {
		desc := fmt.Sprintf("A large output kept as a handle: %d bytes in %d chunks, until %s.", h.Bytes, h.Chunks, h.ExpiresAt.Format("2006-01-02T15:04:05Z"))
		if h.Source != "" {
			desc += " From " + h.Source + "."
		}
		out = append(out, &mcpsdk.Resource{URI: "saa://rag/" + h.Handle, Name: h.Handle, Description: desc, MIMEType: "application/json", Size: h.Bytes})
	}
	return out
}

// ownTemplates are the URI templates of the own resources p may read:
// the semantic layer's with semantic:read, the handles' once p has one.
func (s *Server) ownTemplates(p host.Principal) []*mcpsdk.ResourceTemplate {
	var out []*mcpsdk.ResourceTemplate
	if s.readsSemantic(p) {
		out = append(out,
			&mcpsdk.ResourceTemplate{URITemplate: "saa://semantic/datasets/{name}", Name: "semantic-dataset", MIMEType: "application/json",
				Description: "A dataset of the semantic layer, with the fields your token may see."},
			&mcpsdk.ResourceTemplate{URITemplate: "saa://semantic/context{?q,budget}", Name: "semantic-context", MIMEType: "application/json",
				Description: "The datasets, fields and metrics that matter for question q, ranked and cut to budget tokens."})
	}
	if len(s.rt.Handles(p, 1)) == 0 { // the rag templates serve only those who have a handle
		return out
	}
	return append(out,
		&mcpsdk.ResourceTemplate{URITemplate: "saa://rag/{handle}/search{?q,k,contains}", Name: "rag-search", MIMEType: "application/json",
			Description: "Search one of your handles (a large output kept aside): the k chunks closest to q."},
		&mcpsdk.ResourceTemplate{URITemplate: "saa://rag/{handle}/chunks/{id}{?neighbours}", Name: "rag-chunks", MIMEType: "application/json",
			Description: "Chunk id of one of your handles, with up to neighbours chunks on each side."})
}

// readOwn reads a saa:// resource as p.
func (s *Server) readOwn(ctx context.Context, p host.Principal, uri string) (*mcpsdk.ReadResourceResult, error) {
	ref, err := parseOwnURI(uri)
	if err != nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
	}
	var v any
	switch ref.kind {
	case refDataset, refContext:
		if s.cfg.Semantic == nil {
			return nil, notFound(uri)
		}
		if !p.HasScope(semantic.ScopeRead) {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "the access token lacks scope " + semantic.ScopeRead}
		}
		a := semantic.WithScopes(p.Scopes)
		if ref.kind == refContext {
			v = s.cfg.Semantic.Context(ref.query, a, ref.budget)
			break
		}
		d := s.cfg.Semantic.VisibleDataset(ref.name, a)
		if d == nil { // alike for one that does not exist and one p may not see
			return nil, notFound(uri)
		}
		v = d
	case refHandle:
		v, err = s.handleInfo(p, ref.handle)
	case refSearch:
		var hits []rag.Hit
		hits, err = s.rt.Search(ctx, p, ref.handle, rag.SearchOptions{Query: ref.query, K: ref.k, Contains: ref.contains})
		v = map[string]any{"handle": ref.handle, "hits": hits}
	case refChunks:
		var chunks []rag.Chunk
		chunks, err = s.rt.Chunks(ctx, p, ref.handle, ref.id, ref.nbours)
		v = map[string]any{"handle": ref.handle, "chunks": chunks}
	}
	if err != nil {
		return nil, s.ragError(uri, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode resource: %w", err)
	}
	return &mcpsdk.ReadResourceResult{Contents: []*mcpsdk.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
}

// handleInfo describes p's handle h and how to query it.
func (s *Server) handleInfo(p host.Principal, h string) (any, error) {
	for _, l := range s.rt.Handles(p, maxListedHandles) {
		if l.Handle == h {
			return map[string]any{
				"handle": l.Handle, "expires_at": l.ExpiresAt, "bytes": l.Bytes, "chunks": l.Chunks, "source": l.Source,
				"search": "saa://rag/" + h + "/search?q={words}&k={k}", "expand": "saa://rag/" + h + "/chunks/{id}?neighbours={n}",
			}, nil
		}
	}
	return nil, host.ErrHandleNotFound
}

// ragError maps a handle error as REST does: not found alike for a handle
// that does not exist, expired, or is another principal's.
func (s *Server) ragError(uri string, err error) error {
	switch {
	case errors.Is(err, host.ErrHandleNotFound), errors.Is(err, host.ErrNoChunk):
		return notFound(uri)
	case errors.Is(err, host.ErrInvalidQuery):
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
	case errors.Is(err, host.ErrEmbedderMismatch):
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the handle was embedded by another embedder than the one configured now"}
	}
	s.log.Error("read handle", "err", err)
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error"}
}

// notFound is MCP's resource-not-found error. Unlike the SDK's
// ResourceNotFoundError, its data is always valid JSON, whatever the URI
// holds.
func notFound(uri string) error {
	data, _ := json.Marshal(map[string]string{"uri": uri})
	return &jsonrpc.Error{Code: mcpsdk.CodeResourceNotFound, Message: "Resource not found", Data: data}
}

// agentPrompts are the prompts of the agents p may run (agents:<name>).
func (s *Server) agentPrompts(p host.Principal) []*mcpsdk.Prompt {
	var out []*mcpsdk.Prompt
	for _, l := range s.agents().Runnable(p) {
		out = append(out, &mcpsdk.Prompt{
			Name: agentPromptPrefix + l.Name, Title: "Agent " + l.Name, Description: l.Description,
			Arguments: []*mcpsdk.PromptArgument{{Name: "input", Description: "What to ask the agent", Required: true}},
		})
	}
	return out
}

// agentPrompt renders agent name's prompt for p: its instructions, then the
// user's input, as two user messages (MCP prompts have no system role).
func (s *Server) agentPrompt(p host.Principal, name string, args map[string]string) (*mcpsdk.GetPromptResult, error) {
	d, ok := s.agents()[strings.TrimPrefix(name, agentPromptPrefix)]
	if !ok || !p.HasScope(agents.ScopeRunPrefix+d.Name) { // alike: no prompt p could learn of
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unknown prompt " + fmt.Sprintf("%q", name)}
	}
	input, ok := args["input"]
	if !ok || strings.TrimSpace(input) == "" {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "argument input is required"}
	}
	for k := range args {
		if k != "input" {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown argument %q", k)}
		}
	}
	return &mcpsdk.GetPromptResult{
		Description: d.Description,
		Messages: []*mcpsdk.PromptMessage{
			{Role: "user", Content: &mcpsdk.TextContent{Text: d.Instructions}},
			{Role: "user", Content: &mcpsdk.TextContent{Text: input}},
		},
	}, nil
}
