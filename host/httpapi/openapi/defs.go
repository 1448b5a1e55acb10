package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// embedSchema adds an action's JSON Schema to schemas under name. Its $defs,
// wherever they sit, are hoisted into schemas of their own ("<name>.<def>",
// made unique), because code generators read a nested $defs as a member of
// the type and some crash on it; every local reference ("#/...") is
// rewritten to point where its target now lives. $id and $schema, which
// would change how the document's references resolve, are dropped from the
// root. A schema that does not decode is embedded as "any value" (manifests
// are validated at load, so this does not happen).
func embedSchema(schemas map[string]any, name string, raw json.RawMessage) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep bounds like maximum exact
	var root any
	if err := dec.Decode(&root); err != nil {
		schemas[name] = map[string]any{}
		return
	}
	if m, ok := root.(map[string]any); ok {
		delete(m, "$id")
		delete(m, "$schema")
	}
	var defs []hoisted
	collectDefs(root, "", &defs)
	next := map[string]int{}
	for i := range defs {
		defs[i].name = uniqueName(schemas, next, name+"."+defs[i].label)
		schemas[defs[i].name] = nil // taken
	}
	schemas[name] = root
	for _, d := range defs {
		schemas[d.name] = d.node
	}
	rw := refRewriter{name: name, defs: make(map[string]string, len(defs))}
	for _, d := range defs {
		rw.defs[d.ptr] = d.name
	}
	rw.rewrite(root)
	for _, d := range defs {
		rw.rewrite(d.node)
	}
}

// hoisted is one $defs entry moved to components/schemas.
type hoisted struct {
	ptr   string // its JSON pointer in the original schema ("/$defs/x")
	label string // its name inside the schema, from the pointer
	name  string // its components/schemas key
	node  any
}

// collectDefs finds every $defs entry in schema v (at JSON pointer ptr), in
// a stable order, and removes the $defs members from their parents.
func collectDefs(v any, ptr string, out *[]hoisted) {
	t, ok := v.(map[string]any)
	if !ok {
		return
	}
	if defs, ok := t["$defs"].(map[string]any); ok {
		delete(t, "$defs")
		for _, k := range slices.Sorted(maps.Keys(defs)) {
			p := ptr + "/$defs/" + escapePointer(k)
			*out = append(*out, hoisted{ptr: p, label: labelOf(p), node: defs[k]})
			collectDefs(defs[k], p, out)
		}
	}
	subschemas(t, ptr, func(child any, p string) { collectDefs(child, p, out) })
}

// Keywords of JSON Schema 2020-12 whose value is a schema, an array of
// schemas, or an object whose members are schemas. Only these are walked:
// a "$ref" or "$defs" inside const, enum, default or examples is data.
var (
	schemaKeywords = []string{"additionalProperties", "contains", "else", "if", "items", "not",
		"propertyNames", "then", "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
	schemaArrayKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaMapKeywords   = []string{"dependentSchemas", "patternProperties", "properties"}
)

// subschemas calls fn with each subschema of schema t (at pointer ptr),
// $defs excepted, in a stable order.
func subschemas(t map[string]any, ptr string, fn func(child any, ptr string)) {
	for _, k := range schemaKeywords {
		if child, ok := t[k]; ok {
			fn(child, ptr+"/"+k)
		}
	}
	for _, k := range schemaArrayKeywords {
		if arr, ok := t[k].([]any); ok {
			for i, child := range arr {
				fn(child, fmt.Sprintf("%s/%s/%d", ptr, k, i))
			}
		}
	}
	for _, k := range schemaMapKeywords {
		if m, ok := t[k].(map[string]any); ok {
			for _, name := range slices.Sorted(maps.Keys(m)) {
				fn(m[name], ptr+"/"+k+"/"+escapePointer(name))
			}
		}
	}
}

// unsafeName matches what a components key may not hold.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// labelOf names a $defs entry after its pointer, without the "$defs"
// segments: "/$defs/a/$defs/b" is "a.b", "/properties/x/$defs/c" is
// "properties.x.c".
func labelOf(ptr string) string {
	var parts []string
	for _, seg := range strings.Split(ptr, "/")[1:] {
		if seg == "$defs" {
			continue
		}
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		parts = append(parts, unsafeName.ReplaceAllString(seg, "_"))
	}
	return strings.Join(parts, ".")
}

// uniqueName returns base, or base with the first free "_N" suffix, so that
// no hoisted def replaces another schema. next remembers the last suffix
// tried for each base, so many defs with one label stay linear.
func uniqueName(schemas map[string]any, next map[string]int, base string) string {
	name := base
	for {
		if _, taken := schemas[name]; !taken {
			return name
		}
		next[base]++
		name = fmt.Sprintf("%s_%d", base, next[base]+1)
	}
}

// escapePointer escapes a JSON pointer segment (RFC 6901).
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// refRewriter points a schema's local references into components/schemas.
type refRewriter struct {
	name string
	defs map[string]string // hoisted def pointer to its components key
}

func (rw refRewriter) rewrite(v any) {
	t, ok := v.(map[string]any)
	if !ok {
		return
	}
	if ref, ok := t["$ref"].(string); ok {
		t["$ref"] = rw.target(ref)
	}
	subschemas(t, "", func(child any, _ string) { rw.rewrite(child) })
}

// target returns where ref, relative to the original schema, now points.
// References that are not JSON pointers into the schema stay as they are.
func (rw refRewriter) target(ref string) string {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return ref
	}
	ptr, err := url.PathUnescape(frag)
	if err != nil || (ptr != "" && !strings.HasPrefix(ptr, "/")) {
		return ref
	}
	name, rest := rw.name, ptr
	// The longest hoisted pointer that ptr is, or lies under, wins.
	for end := len(ptr); end > 0; end = strings.LastIndexByte(ptr[:end], '/') {
		if def, ok := rw.defs[ptr[:end]]; ok {
			name, rest = def, ptr[end:]
			break
		}
	}
	return "#" + (&url.URL{Fragment: "/components/schemas/" + name + rest}).EscapedFragment()
}
