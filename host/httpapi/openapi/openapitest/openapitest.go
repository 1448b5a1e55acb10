// Package openapitest checks HTTP answers against a served OpenAPI 3.1
// document: the status is documented for the operation, the content type is
// one it lists, and the body validates against its schema (OpenAPI 3.1
// schemas are JSON Schema 2020-12); a text/event-stream answer's events are
// validated against the schemas its media type names under x-saa-events.
// End-to-end tests route their client
// through Transport so that the document cannot drift from what the server
// does without a test failing.
//
// It is test support only: production code never imports it.
package openapitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is where the document is registered with the schema compiler; it
// is never fetched.
const docURL = "https://openapi.test/openapi.json"

// ErrMismatch is wrapped by every disagreement between an answer and the
// document.
var ErrMismatch = errors.New("answer disagrees with the OpenAPI document")

// Checker checks answers against one document. It is safe for concurrent use.
type Checker struct {
	doc        map[string]any
	compiler   *jsonschema.Compiler
	undocument []string // path prefixes the document does not describe

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
	seen    map[string]int // "METHOD template status" to count
}

// Options adjust a Checker.
type Options struct {
	// Undocumented are path prefixes the document does not describe (the
	// OAuth and admin APIs, health, metrics...): their answers are not
	// checked.
	Undocumented []string
	// Closed names component schemas whose objects (and the objects inline
	// in their properties) must carry no member they do not declare. The
	// document keeps them open, so clients accept members added later; the
	// tests hold the server to naming every member it sends.
	Closed []string
	// ClosedIfPresent are closed too when the document has them: the
	// schemas of parts of the surface a server mounts only when configured.
	ClosedIfPresent []string
}

// DefaultOptions are those of SAA's own document, which describes the
// agents' API: the OAuth and admin APIs, health, metrics and the document
// itself are not in it, and its fixed schemas are held closed.
func DefaultOptions() Options {
	return Options{
		// /ap/v1/ is the Agent Protocol, checked against its own document.
		Undocumented: []string{"/ap/v1/", "/oauth2/", "/.well-known/", "/admin", "/account", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"},
		Closed:       []string{"Problem", "Run", "RunError", "RunCallback", "Catalog", "CatalogAction"},
		ClosedIfPresent: []string{"SemanticDatasets", "SemanticSummary", "SemanticDataset", "SemanticField",
			"SemanticAIContext", "SemanticRelationship", "SemanticMetric", "SemanticFilter", "SemanticVerifiedQuery",
			"SemanticContext", "SemanticContextField", "SemanticContextDataset", "SemanticContextRelationship",
			"SemanticContextNamed",
			"AgentList", "AgentListing", "AgentRunRequest", "AgentRun", "AgentRunError", "AgentUsage", "AgentStep",
			"AgentPendingApproval", "AgentRunStatus", "AgentDecisionRequest", "AgentDecision", "AgentCancel"},
	}
}

// New parses the document.
func New(doc []byte, o Options) (*Checker, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("parse openapi: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("parse openapi: not an object")
	}
	components, _ := m["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	for _, name := range o.Closed {
		if err := closeObjects(schemas[name]); err != nil {
			return nil, fmt.Errorf("close %s: %w", name, err)
		}
	}
	for _, name := range o.ClosedIfPresent {
		if schemas[name] == nil {
			continue
		}
		if err := closeObjects(schemas[name]); err != nil {
			return nil, fmt.Errorf("close %s: %w", name, err)
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(denyLoader{})
	if err := c.AddResource(docURL, v); err != nil {
		return nil, fmt.Errorf("add openapi: %w", err)
	}
	return &Checker{doc: m, compiler: c, undocument: o.Undocumented,
		schemas: map[string]*jsonschema.Schema{}, seen: map[string]int{}}, nil
}

// closeObjects forbids undeclared members in schema s and the object
// schemas inline in its properties.
func closeObjects(s any) error {
	m, ok := s.(map[string]any)
	if !ok {
		return errors.New("no such schema")
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return nil
	}
	if _, set := m["additionalProperties"]; !set {
		m["unevaluatedProperties"] = false
	}
	for _, p := range props {
		if inner, ok := p.(map[string]any); ok && inner["properties"] != nil {
			if err := closeObjects(inner); err != nil {
				return err
			}
		}
	}
	return nil
}

type denyLoader struct{}

func (denyLoader) Load(url string) (any, error) { return nil, fmt.Errorf("load %s: refused", url) }

// Check reports how the answer to method path (status, header, body)
// disagrees with the document, or nil.
func (c *Checker) Check(method, path string, status int, header http.Header, body []byte) error {
	if c.undocumented(path) {
		return nil
	}
	template, op := c.operation(method, path)
	if op == nil {
		// A resource the document does not list must answer a problem.
		if status < 400 || status >= 500 {
			return fmt.Errorf("%w: %s %s is not documented but answered %d", ErrMismatch, method, path, status)
		}
		return c.checkBody("#/components/schemas/Problem", "application/problem+json", header, body)
	}
	c.mu.Lock()
	c.seen[method+" "+template+" "+strconv.Itoa(status)]++
	c.mu.Unlock()
	ptr := "#/paths/" + escape(template) + "/" + strings.ToLower(method) + "/responses"
	resp, key := c.response(op, status)
	if resp == nil {
		return fmt.Errorf("%w: %s %s answered %d, which is not documented", ErrMismatch, method, template, status)
	}
	ptr += "/" + key
	if ref, ok := resp["$ref"].(string); ok {
		ptr = ref
		if resp, ok = c.resolve(ref).(map[string]any); !ok {
			return fmt.Errorf("%w: unresolvable %s", ErrMismatch, ref)
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(body) == 0 && len(content) == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("%w: %s %s %d: Content-Type %q", ErrMismatch, method, template, status, header.Get("Content-Type"))
	}
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("%w: %s %s %d: Content-Type %s is not one of %v", ErrMismatch, method, template, status, mt, slices.Sorted(mapKeys(content)))
	}
	if mt == eventStream {
		if err := c.checkEvents(ptr+"/content/"+escape(mt), content[mt], body); err != nil {
			return fmt.Errorf("%s %s %d: %w", method, template, status, err)
		}
		return nil
	}
	if err := c.checkBody(ptr+"/content/"+escape(mt)+"/schema", mt, header, body); err != nil {
		return fmt.Errorf("%s %s %d: %w", method, template, status, err)
	}
	return nil
}

// checkBody validates body, of media type mt, against the schema at ptr.
func (c *Checker) checkBody(ptr, mt string, header http.Header, body []byte) error {
	if got, _, _ := mime.ParseMediaType(header.Get("Content-Type")); got != mt {
		return fmt.Errorf("%w: Content-Type %q, want %s", ErrMismatch, header.Get("Content-Type"), mt)
	}
	sch, err := c.schema(ptr)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: body is not JSON: %v", ErrMismatch, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%w: body %.300s: %v", ErrMismatch, body, err)
	}
	return nil
}

// eventStream is the media type of server-sent events.
const eventStream = "text/event-stream"

// checkEvents validates each server-sent event of body against the schema
// its media type names for the event under x-saa-events (at ptr): an event
// it does not name, or data that is not JSON, disagrees.
func (c *Checker) checkEvents(ptr string, media any, body []byte) error {
	m, _ := media.(map[string]any)
	named, _ := m["x-saa-events"].(map[string]any)
	for _, block := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n\n") {
		name, data := "message", []string(nil)
		for _, line := range strings.Split(block, "\n") {
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				name = value
			case "data":
				data = append(data, value)
			}
		}
		if data == nil {
			continue // a comment, or the end of the stream
		}
		if named[name] == nil {
			return fmt.Errorf("%w: event %q is not one of %v", ErrMismatch, name, slices.Sorted(mapKeys(named)))
		}
		sch, err := c.schema(ptr + "/x-saa-events/" + escape(name))
		if err != nil {
			return err
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(strings.Join(data, "\n")))
		if err != nil {
			return fmt.Errorf("%w: event %s: data is not JSON: %v", ErrMismatch, name, err)
		}
		if err := sch.Validate(v); err != nil {
			return fmt.Errorf("%w: event %s %.300s: %v", ErrMismatch, name, strings.Join(data, "\n"), err)
		}
	}
	return nil
}

// schema compiles the schema at ptr (a fragment of the document) once.
func (c *Checker) schema(ptr string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[ptr]; ok {
		return s, nil
	}
	frag := (&url.URL{Fragment: strings.TrimPrefix(ptr, "#")}).EscapedFragment()
	s, err := c.compiler.Compile(docURL + "#" + frag)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", ptr, err)
	}
	c.schemas[ptr] = s
	return s, nil
}

func (c *Checker) undocumented(path string) bool {
	return slices.ContainsFunc(c.undocument, func(p string) bool { return strings.HasPrefix(path, p) })
}

// operation finds the path template matching path (a literal one before a
// templated one) and its operation for method.
func (c *Checker) operation(method, path string) (string, map[string]any) {
	paths, _ := c.doc["paths"].(map[string]any)
	var best string
	for tmpl := range paths {
		if matches(tmpl, path) && (best == "" || strings.Count(tmpl, "{") < strings.Count(best, "{")) {
			best = tmpl
		}
	}
	if best == "" {
		return "", nil
	}
	item, _ := paths[best].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return best, op
}

// matches reports whether path fits template, each {param} one segment.
func matches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if t != ps[i] {
			return false
		}
	}
	return true
}

// response returns the operation's response for status (exact, then 4XX,
// then default) and its key.
func (c *Checker) response(op map[string]any, status int) (map[string]any, string) {
	responses, _ := op["responses"].(map[string]any)
	for _, key := range []string{strconv.Itoa(status), strconv.Itoa(status/100) + "XX", "default"} {
		if r, ok := responses[key].(map[string]any); ok {
			return r, key
		}
	}
	return nil, ""
}

// resolve follows a local reference ("#/components/...") in the document.
func (c *Checker) resolve(ref string) any {
	var v any = c.doc
	for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)]
	}
	return v
}

// Seen returns "METHOD template status" of every documented answer
// checked, with counts.
func (c *Checker) Seen() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.seen))
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}

func escape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Transport is an http.RoundTripper that checks every answer against the
// checker and fails tb on a disagreement.
type Transport struct {
	Base    http.RoundTripper
	Checker *Checker
	TB      testing.TB
}

// RoundTrip sends req and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.Checker.Check(req.Method, req.URL.Path, resp.StatusCode, resp.Header, body); err != nil {
		t.TB.Errorf("OpenAPI: %v", err)
	}
	return resp, nil
}
