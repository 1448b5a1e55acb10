package rag

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// Shape describes an output without holding it: enough for an agent to
// decide what to search for.
type Shape struct {
	// Type is object, array, string, number, boolean, null or text (not JSON).
	Type string `json:"type"`
	// Bytes is the size of the value as written.
	Bytes int `json:"bytes"`
	// Count is the number of elements of an array or members of an object.
	Count int `json:"count,omitempty"`
	// Keys are an object's member names, or the member names seen in the
	// first elements of an array of objects (at most 50).
	Keys []string `json:"keys,omitempty"`
	// First holds the first elements of an array, each cut to 300 bytes.
	First []json.RawMessage `json:"first,omitempty"`
	// Preview is the start of a string or text.
	Preview string `json:"preview,omitempty"`
	// Members describes each member of a top-level object.
	Members map[string]*Shape `json:"members,omitempty"`
}

// Summary limits.
const (
	maxKeys       = 50
	firstItems    = 2
	itemPreview   = 300
	textPreview   = 200
	keySampleSize = 20
)

// Summarize describes data, already accepted by Chunker.Split.
func Summarize(data []byte) *Shape {
	trimmed := bytes.TrimSpace(data)
	if !json.Valid(trimmed) {
		return &Shape{Type: "text", Bytes: len(data), Preview: preview(string(data), textPreview)}
	}
	return shapeOf(trimmed, true)
}

func shapeOf(raw json.RawMessage, top bool) *Shape {
	s := &Shape{Bytes: len(raw)}
	switch raw[0] {
	case '{':
		s.Type = "object"
		var members map[string]json.RawMessage
		json.Unmarshal(raw, &members)
		s.Count = len(members)
		s.Keys = sortedKeys(members)
		if top {
			s.Members = make(map[string]*Shape, min(len(s.Keys), maxKeys))
			for _, k := range s.Keys {
				s.Members[k] = shapeOf(members[k], false)
			}
		}
	case '[':
		s.Type = "array"
		var elems []json.RawMessage
		json.Unmarshal(raw, &elems)
		s.Count = len(elems)
		s.Keys = itemKeys(elems)
		for _, e := range elems[:min(firstItems, len(elems))] {
			s.First = append(s.First, cutItem(e))
		}
	case '"':
		s.Type = "string"
		var str string
		json.Unmarshal(raw, &str)
		s.Preview = preview(str, textPreview)
	case 't', 'f':
		s.Type = "boolean"
	case 'n':
		s.Type = "null"
	default:
		s.Type = "number"
	}
	return s
}

// sortedKeys returns up to maxKeys member names, sorted.
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[:min(len(keys), maxKeys)]
}

// itemKeys returns the member names of the first elements that are objects.
func itemKeys(elems []json.RawMessage) []string {
	seen := map[string]json.RawMessage{}
	for _, e := range elems[:min(keySampleSize, len(elems))] {
		var m map[string]json.RawMessage
		if json.Unmarshal(e, &m) == nil {
			for k := range m {
				seen[k] = nil
			}
		}
	}
	if len(seen) == 0 {
		return nil
	}
	return sortedKeys(seen)
}

// cutItem returns e compacted, or as a JSON string of its start with "…"
// when it is longer than itemPreview.
func cutItem(e json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	json.Compact(&b, e)
	if b.Len() <= itemPreview {
		return b.Bytes()
	}
	s, _ := json.Marshal(preview(b.String(), itemPreview))
	return s
}

// preview returns s's first n bytes at a rune boundary, with "…" if cut.
func preview(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
