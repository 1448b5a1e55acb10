package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/mcp"
	"github.com/secure-agent/saa/semantic"
)

// ownFixture serves a semantic layer of two datasets (salaries needs scope
// semantic:hr; tickets has a PII field) and two agents.
func ownFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"tickets.yaml":  "name: tickets\ndescription: Customer support tickets.\nfields:\n  - {name: id, datatype: INTEGER}\n  - {name: customer_email, datatype: TEXT, sensitivity: pii}\n",
		"salaries.yaml": "name: salaries\nscope: semantic:hr\nfields: [{name: amount}]\n",
	}
	for name, doc := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	layer, err := semantic.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	set := agents.Set{}
	for _, doc := range []string{
		"name: triage\ndescription: Sort tickets.\nmodel: {name: m}\ninstructions: You triage support tickets.\n",
		"name: payroll\nmodel: {name: m}\ninstructions: You run payroll.\n",
	} {
		d, err := agents.Parse("a.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		set[d.Name] = d
	}
	return newFixtureMCP(t, nil, func(c *mcp.Config) { c.Semantic, c.Agents = layer, func() agents.Set { return set } })
}

// principalOf is the principal tok stands for.
func (f *fixture) principalOf(tok string) host.Principal {
	f.t.Helper()
	p, err := f.auth.Verifier().ForResource(f.url, "").Verify(context.Background(), tok)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func resourceURIs(t *testing.T, s *sdk.ClientSession) []string {
	t.Helper()
	list, err := s.ListResources(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range list.Resources {
		out = append(out, r.URI)
	}
	return out
}

func templateURIs(t *testing.T, s *sdk.ClientSession) string {
	t.Helper()
	list, err := s.ListResourceTemplates(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range list.ResourceTemplates {
		out = append(out, r.URITemplate)
	}
	return strings.Join(out, " ")
}

// read reads uri and returns its text, or the JSON-RPC error code.
func read(t *testing.T, s *sdk.ClientSession, uri string) (string, int64) {
	t.Helper()
	res, err := s.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: uri})
	var werr *jsonrpc.Error
	if errors.As(err, &werr) {
		return werr.Message, werr.Code
	}
	if err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
	return res.Contents[0].Text, 0
}

// TestDatasetsAreResources: a token with semantic:read lists and reads the
// datasets it may see, as GET /v1/semantic/datasets shows them (PII fields
// hidden, scoped datasets only with their scope); without semantic:read it
// sees and reads none.
func TestDatasetsAreResources(t *testing.T) {
	f := ownFixture(t)
	reader := f.connect(f.token(f.url, semantic.ScopeRead), nil)
	if got := strings.Join(resourceURIs(t, reader), " "); got != "saa://semantic/datasets/tickets" {
		t.Errorf("reader lists %q", got)
	}
	if got := templateURIs(t, reader); !strings.Contains(got, "saa://semantic/datasets/{name}") || !strings.Contains(got, "saa://semantic/context{?q,budget}") {
		t.Errorf("reader's templates %q", got)
	}
	text, code := read(t, reader, "saa://semantic/datasets/tickets")
	if code != 0 || !strings.Contains(text, `"name":"tickets"`) || strings.Contains(text, "customer_email") {
		t.Errorf("tickets = %d %s", code, text)
	}
	if _, code := read(t, reader, "saa://semantic/datasets/salaries"); code != sdk.CodeResourceNotFound {
		t.Errorf("salaries without semantic:hr: code %d", code)
	}
	if _, code := read(t, reader, "saa://semantic/datasets/nope"); code != sdk.CodeResourceNotFound {
		t.Errorf("unknown dataset: code %d", code)
	}
	// Asked for a PII field, the context of a token without the PII scope
	// leaves it out, as REST does.
	if text, code := read(t, reader, "saa://semantic/context?q=customer+email&budget=2000"); code != 0 || !strings.Contains(text, `"budget":2000`) || strings.Contains(text, "customer_email") {
		t.Errorf("context = %d %s", code, text)
	}

	pii := f.connect(f.token(f.url, semantic.ScopeRead, semantic.ScopePII), nil)
	if text, code := read(t, pii, "saa://semantic/context?q=customer+email&budget=2000"); code != 0 || !strings.Contains(text, "customer_email") {
		t.Errorf("context with %s = %d %s", semantic.ScopePII, code, text)
	}

	hr := f.connect(f.token(f.url, semantic.ScopeRead, "semantic:hr"), nil)
	if got := strings.Join(resourceURIs(t, hr), " "); !strings.Contains(got, "saa://semantic/datasets/salaries") {
		t.Errorf("hr lists %q", got)
	}

	none := f.connect(f.mcpToken(), nil)
	if got := resourceURIs(t, none); len(got) != 0 {
		t.Errorf("a token without %s lists %v", semantic.ScopeRead, got)
	}
	if got := templateURIs(t, none); strings.Contains(got, "semantic") {
		t.Errorf("a token without %s lists templates %q", semantic.ScopeRead, got)
	}
	if text, code := read(t, none, "saa://semantic/datasets/tickets"); code != jsonrpc.CodeInvalidParams || !strings.Contains(text, semantic.ScopeRead) {
		t.Errorf("read without %s = %d %s", semantic.ScopeRead, code, text)
	}
}

// TestHandlesAreTheCallersOwn: a principal lists and reads its own handles
// (info, search, chunks); another principal, whatever its scopes, neither
// sees nor reads them: not found, as on REST.
func TestHandlesAreTheCallersOwn(t *testing.T) {
	f := ownFixture(t)
	tok := f.mcpToken()
	env, err := f.rt.Ingest(context.Background(), f.principalOf(tok), []byte(`[{"id":1,"text":"refund please"},{"id":2,"text":"login broken"}]`), "file")
	if err != nil {
		t.Fatal(err)
	}
	base := "saa://rag/" + env.Handle
	owner := f.connect(tok, nil)
	if got := resourceURIs(t, owner); len(got) != 1 || got[0] != base {
		t.Errorf("owner lists %v", got)
	}
	if got := templateURIs(t, owner); !strings.Contains(got, "saa://rag/{handle}/search{?q,k,contains}") {
		t.Errorf("owner's templates %q", got)
	}
	if text, code := read(t, owner, base); code != 0 || !strings.Contains(text, `"chunks":`) || !strings.Contains(text, `"search":"saa://rag/`) {
		t.Errorf("info = %d %s", code, text)
	}
	text, code := read(t, owner, base+"/search?q=refund&k=1")
	var hits struct {
		Hits []struct{ Text string } `json:"hits"`
	}
	if code != 0 || json.Unmarshal([]byte(text), &hits) != nil || len(hits.Hits) != 1 || !strings.Contains(hits.Hits[0].Text, "refund") {
		t.Errorf("search = %d %s", code, text)
	}
	if text, code := read(t, owner, base+"/chunks/0?neighbours=1"); code != 0 || !strings.Contains(text, `"chunks":[`) {
		t.Errorf("chunks = %d %s", code, text)
	}
	if _, code := read(t, owner, base+"/chunks/99"); code != sdk.CodeResourceNotFound {
		t.Errorf("chunk 99: code %d", code)
	}

	other := f.connect(f.token(f.url, "echo:call", semantic.ScopeRead, mcp.ScopeUnattended), nil)
	if got := strings.Join(resourceURIs(t, other), " "); strings.Contains(got, "rag") {
		t.Errorf("another principal lists %q", got)
	}
	for _, uri := range []string{base, base + "/search?q=refund", base + "/chunks/0"} {
		if text, code := read(t, other, uri); code != sdk.CodeResourceNotFound || strings.Contains(text, "refund") {
			t.Errorf("another principal reads %s: %d %s", uri, code, text)
		}
	}
}

// TestHostileResourceURIs: malformed saa:// URIs are invalid params with a
// reason, never served by a plugin, and the session keeps working.
func TestHostileResourceURIs(t *testing.T) {
	f := ownFixture(t)
	s := f.connect(f.token(f.url, semantic.ScopeRead), nil)
	for _, uri := range []string{
		"saa://semantic/datasets/tickets?x=1",
		"saa://semantic/datasets/",
		"saa://semantic/context",
		"saa://semantic/context?q=a&q=b",
		"saa://semantic/context?q=x&budget=1",
		"saa://semantic/context?q=" + strings.Repeat("a", 5000),
		"saa://rag/../../etc/passwd",
		"saa://rag/rag_x/search",
		"saa://rag/rag_aaaaaaaaaaaaaaaaaaaaaaaaaa/chunks/-1",
		"saa://rag/rag_aaaaaaaaaaaaaaaaaaaaaaaaaa/search?k=1e9",
		"saa://user@semantic/datasets/tickets",
		"saa://semantic:99/datasets/tickets",
		"saa://semantic/datasets/tickets#frag",
		"saa://evil/x",
		"saa:opaque",
		"saa://semantic/datasets/%zz",
		"saa://semantic/datasets/" + strings.Repeat("a", 9000),
		"saa://semantic/datasets/\x00",
	} {
		text, code := read(t, s, uri)
		if code != jsonrpc.CodeInvalidParams || !strings.Contains(text, "invalid saa resource uri") {
			t.Errorf("%.60q: %d %.200s", uri, code, text)
		}
	}
	if _, code := read(t, s, "saa://semantic/datasets/tickets"); code != 0 {
		t.Errorf("after hostile reads: code %d", code)
	}
}

// TestAgentPrompts: one prompt per agent the token may run (agents:<name>),
// rendering the agent's instructions and the user's input; any other agent
// is unknown, alike whether it exists.
func TestAgentPrompts(t *testing.T) {
	f := ownFixture(t)
	s := f.connect(f.token(f.url, "agents:triage"), nil)
	list, err := s.ListPrompts(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Prompts) != 1 || list.Prompts[0].Name != "agents-triage" || list.Prompts[0].Arguments[0].Name != "input" || !list.Prompts[0].Arguments[0].Required {
		t.Fatalf("prompts = %+v", list.Prompts)
	}
	res, err := s.GetPrompt(context.Background(), &sdk.GetPromptParams{Name: "agents-triage", Arguments: map[string]string{"input": "ticket 7 is urgent"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 2 || res.Messages[0].Content.(*sdk.TextContent).Text != "You triage support tickets." ||
		res.Messages[1].Content.(*sdk.TextContent).Text != "ticket 7 is urgent" || res.Messages[1].Role != "user" || res.Description != "Sort tickets." {
		t.Fatalf("prompt = %+v", res)
	}
	for name, args := range map[string]map[string]string{
		"agents-payroll": {"input": "x"}, "agents-nope": {"input": "x"}, "agents-": {"input": "x"},
		"agents-triage": {}, "agents-triage ": {"input": "x"},
	} {
		if _, err := s.GetPrompt(context.Background(), &sdk.GetPromptParams{Name: name, Arguments: args}); err == nil {
			t.Errorf("get %q %v: no error", name, args)
		}
	}
	if _, err := s.GetPrompt(context.Background(), &sdk.GetPromptParams{Name: "agents-triage", Arguments: map[string]string{"input": "x", "system": "y"}}); err == nil {
		t.Error("an unknown argument was accepted")
	}
	complete := func(s *sdk.ClientSession, name string) error {
		_, err := s.Complete(context.Background(), &sdk.CompleteParams{
			Ref: &sdk.CompleteReference{Type: "ref/prompt", Name: name}, Argument: sdk.CompleteParamsArgument{Name: "input"},
		})
		return err
	}
	if err := complete(s, "agents-triage"); err != nil {
		t.Errorf("complete agents-triage: %v", err)
	}
	if err := complete(s, "agents-payroll"); err == nil {
		t.Error("completion tells that agents-payroll exists")
	}
	none := f.connect(f.mcpToken(), nil)
	if err := complete(none, "agents-triage"); err == nil {
		t.Error("completion tells a token without agents:triage that the prompt exists")
	}
	if list, err := none.ListPrompts(context.Background(), nil); err != nil || len(list.Prompts) != 0 {
		t.Errorf("a token without agents:* lists %+v %v", list, err)
	}
}
