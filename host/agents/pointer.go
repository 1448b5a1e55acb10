package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxPointerTokens bounds a JSON pointer's depth.
const maxPointerTokens = 64

// ErrNoValue means a JSON pointer names no value of the document.
var ErrNoValue = errors.New("no value at the pointer")

// parsePointer splits an RFC 6901 JSON pointer into its reference tokens,
// unescaped: "" is the whole document, anything else starts with "/",
// and "~" is only ever "~0" or "~1".
func parsePointer(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] != '/' {
		return nil, fmt.Errorf("JSON pointer %q must start with /", clipName(s))
	}
	parts := strings.Split(s[1:], "/")
	if len(parts) > maxPointerTokens {
		return nil, fmt.Errorf("JSON pointer deeper than %d", maxPointerTokens)
	}
	for i, p := range parts {
		for j := 0; j < len(p); j++ {
			if p[j] == '~' && (j+1 == len(p) || (p[j+1] != '0' && p[j+1] != '1')) {
				return nil, fmt.Errorf("JSON pointer %q: ~ must be ~0 or ~1", clipName(s))
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// lookup returns the value tokens name in doc, a value decoded from JSON
// (maps, slices, strings, json.Number, bools, nil). An array index is
// decimal without leading zeros; "-" names no value.
func lookup(doc any, tokens []string) (any, error) {
	v := doc
	for i, t := range tokens {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[t]
			if !ok {
				return nil, fmt.Errorf("%w: no member %q at /%s", ErrNoValue, clipName(t), strings.Join(escapeAll(tokens[:i]), "/"))
			}
			v = next
		case []any:
			n, ok := arrayIndex(t)
			if !ok || n >= len(node) {
				return nil, fmt.Errorf("%w: no element %q of an array of %d", ErrNoValue, clipName(t), len(node))
			}
			v = node[n]
		default:
			return nil, fmt.Errorf("%w: %q goes into a value that is neither object nor array", ErrNoValue, clipName(t))
		}
	}
	return v, nil
}

func arrayIndex(t string) (int, bool) {
	if t == "" || len(t) > 9 || (len(t) > 1 && t[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(t)
	return n, err == nil && n >= 0 && t[0] != '+'
}

func escapeAll(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
	}
	return out
}

// decodeJSON decodes one JSON value, numbers kept as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}
