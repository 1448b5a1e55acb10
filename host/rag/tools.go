package rag

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Names of the tools an agent gets once a tool's output became a handle.
const (
	ToolSearch = "rag_search"
	ToolExpand = "rag_expand"
)

// Tool is a function tool as OpenAI-compatible models take it.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// Tools returns the definitions of ToolSearch and ToolExpand.
func Tools() []Tool {
	return []Tool{
		{Name: ToolSearch, Description: "Search a large tool output that came back as a handle. Returns the best chunks with their pointer into the output. The search is lexical unless the server uses a semantic embedder: use words the data would contain; contains keeps only chunks holding that exact text.",
			Parameters: json.RawMessage(`{"type":"object","additionalProperties":false,"required":["handle"],"properties":{` +
				`"handle":{"type":"string","pattern":"^rag_[a-z2-7]{26}$"},"query":{"type":"string","maxLength":2048},` +
				`"k":{"type":"integer","minimum":1,"maximum":50},"contains":{"type":"string","maxLength":256}}}`)},
		{Name: ToolExpand, Description: "Read one chunk of a handle by id, with up to 5 neighbouring chunks on each side.",
			Parameters: json.RawMessage(`{"type":"object","additionalProperties":false,"required":["handle","id"],"properties":{` +
				`"handle":{"type":"string","pattern":"^rag_[a-z2-7]{26}$"},"id":{"type":"integer","minimum":0},` +
				`"neighbours":{"type":"integer","minimum":0,"maximum":5}}}`)},
	}
}

// ToolCall is a decoded call of ToolSearch (Search set) or ToolExpand.
type ToolCall struct {
	Handle     string
	Search     *SearchOptions
	ID         int
	Neighbours int
}

// ParseToolCall decodes a model's call of one of Tools. The arguments come
// from a model and are untrusted: unknown members, wrong types and trailing
// data are refused with ErrInvalidQuery; bounds are checked where the call
// is served.
func ParseToolCall(name string, args []byte) (ToolCall, error) {
	var a struct {
		Handle     string `json:"handle"`
		Query      string `json:"query"`
		K          int    `json:"k"`
		Contains   string `json:"contains"`
		ID         *int   `json:"id"`
		Neighbours int    `json:"neighbours"`
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return ToolCall{}, fmt.Errorf("%w: arguments: %v", ErrInvalidQuery, err)
	}
	if dec.More() {
		return ToolCall{}, fmt.Errorf("%w: arguments: trailing data", ErrInvalidQuery)
	}
	c := ToolCall{Handle: a.Handle, Neighbours: a.Neighbours}
	switch name {
	case ToolSearch:
		if a.ID != nil || a.Neighbours != 0 {
			return ToolCall{}, fmt.Errorf("%w: %s takes handle, query, k and contains", ErrInvalidQuery, name)
		}
		c.Search = &SearchOptions{Query: a.Query, K: a.K, Contains: a.Contains}
	case ToolExpand:
		if a.ID == nil || a.Query != "" || a.K != 0 || a.Contains != "" {
			return ToolCall{}, fmt.Errorf("%w: %s takes handle, id and neighbours", ErrInvalidQuery, name)
		}
		c.ID = *a.ID
	default:
		return ToolCall{}, fmt.Errorf("%w: no tool %q", ErrInvalidQuery, name)
	}
	return c, nil
}

// HandleOf reports whether a tool's output is a handle's envelope, and
// which: an agent loop offers Tools from then on.
func HandleOf(output []byte) (string, bool) {
	var e struct {
		Handle string          `json:"handle"`
		Query  json.RawMessage `json:"query"`
	}
	if json.Unmarshal(output, &e) != nil || !ValidHandle(e.Handle) || len(e.Query) == 0 {
		return "", false
	}
	return e.Handle, true
}
