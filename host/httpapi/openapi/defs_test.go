package openapi

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestEmbedSchemaHoistsDefs(t *testing.T) {
	schemas := map[string]any{"a.b.input.item": "taken"} // forces a suffix
	embedSchema(schemas, "a.b.input", json.RawMessage(`{
	  "$id": "https://example.com/x", "$schema": "https://json-schema.org/draft/2020-12/schema",
	  "type": "object",
	  "properties": {
	    "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
	    "tag": {"$ref": "#/$defs/item/properties/tag"},
	    "self": {"$ref": "#"},
	    "odd": {"$ref": "#/$defs/we%20ird~1name"},
	    "$defs": {"type": "string", "const": {"$ref": "#/$defs/item"}},
	    "local": {"$defs": {"n": {"type": "integer", "maximum": 12345678901234567890}}, "$ref": "#/properties/local/$defs/n"}
	  },
	  "$defs": {
	    "item": {"type": "object", "properties": {"tag": {"$ref": "#/$defs/item/$defs/tag"}},
	             "$defs": {"tag": {"type": "string"}}},
	    "we ird/name": {"type": "boolean"}
	  }
	}`))
	out, _ := json.Marshal(schemas)
	doc := string(out)
	for _, want := range []string{
		`"a.b.input.item_2":{"properties":{"tag":{"$ref":"#/components/schemas/a.b.input.item.tag"}},"type":"object"}`,
		`"a.b.input.item.tag":{"type":"string"}`,
		`"a.b.input.we_ird_name":{"type":"boolean"}`,
		`"a.b.input.properties.local.n":{"maximum":12345678901234567890,"type":"integer"}`,
		`"items":{"$ref":"#/components/schemas/a.b.input.item_2"}`,
		`"tag":{"$ref":"#/components/schemas/a.b.input.item_2/properties/tag"}`,
		`"self":{"$ref":"#/components/schemas/a.b.input"}`,
		`"odd":{"$ref":"#/components/schemas/a.b.input.we_ird_name"}`,
		`"$defs":{"const":{"$ref":"#/$defs/item"},"type":"string"}`, // a property called $defs, and data, are kept
		`"local":{"$ref":"#/components/schemas/a.b.input.properties.local.n"}`,
		`"a.b.input.item":"taken"`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %s:\n%s", want, doc)
		}
	}
	for _, gone := range []string{`"$id"`, `"$schema"`, `"$defs":{"item"`, `"$defs":{"n"`, `"$defs":{"tag"`} {
		if strings.Contains(doc, gone) {
			t.Errorf("document still has %s:\n%s", gone, doc)
		}
	}
}

// FuzzEmbedSchema: whatever an approved plugin's schema holds, embedding it
// neither panics nor leaves a $defs in a schema position, and every local
// reference that resolved in the schema resolves in the document.
func FuzzEmbedSchema(f *testing.F) {
	for _, s := range []string{`{"$defs":{"a":{"type":"string"}},"$ref":"#/$defs/a"}`, `{"properties":{"x":{"$defs":{"y":{}},"$ref":"#/properties/x/$defs/y"}}}`,
		`{"$ref":"#"}`, `{"$defs":{"a~b/c":{"$defs":{"d":{}}}},"items":{"$ref":"#/$defs/a~0b~1c/$defs/d"}}`, `[]`, `true`, `{"$defs":[]}`,
		`{"allOf":[{"$defs":{"q":{}}}],"$ref":"#/allOf/0/$defs/q"}`, `{"$defs":{"%":{}},"$ref":"#/$defs/%25"}`, `{"$defs":{"0":{}},"$ref":"#/$defs"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var original any
		if json.Unmarshal([]byte(raw), &original) != nil {
			return
		}
		resolved := 0
		walkSchemas(original, func(m map[string]any) {
			// A reference to a $defs container itself (not one of its
			// schemas) has nothing to point at once the defs are hoisted.
			if ref, ok := m["$ref"].(string); ok && strings.HasPrefix(ref, "#") && !strings.HasSuffix(ref, "/$defs") && resolve(original, ref) != nil {
				resolved++
			}
		})
		schemas := map[string]any{}
		embedSchema(schemas, "p.a.input", json.RawMessage(raw))
		out, err := json.Marshal(map[string]any{"components": map[string]any{"schemas": schemas}})
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var doc any
		json.Unmarshal(out, &doc)
		after := 0
		for name, s := range doc.(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any) {
			walkSchemas(s, func(m map[string]any) {
				if _, ok := m["$defs"].(map[string]any); ok {
					t.Fatalf("%s: %s keeps a $defs: %s", raw, name, out)
				}
				if ref, ok := m["$ref"].(string); ok && resolve(doc, ref) != nil {
					after++
				}
			})
		}
		if after < resolved {
			t.Fatalf("%s: %d local references resolved, %d do after embedding: %s", raw, resolved, after, out)
		}
	})
}

// walkSchemas calls fn on every schema object in v, $defs entries included.
func walkSchemas(v any, fn func(map[string]any)) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	fn(m)
	if defs, ok := m["$defs"].(map[string]any); ok {
		for _, d := range defs {
			walkSchemas(d, fn)
		}
	}
	subschemas(m, "", func(child any, _ string) { walkSchemas(child, fn) })
}

// resolve follows a "#/..." reference in doc; nil if it does not resolve.
func resolve(doc any, ref string) any {
	frag, err := url.PathUnescape(strings.TrimPrefix(ref, "#"))
	if err != nil || (frag != "" && !strings.HasPrefix(frag, "/")) {
		return nil
	}
	v := doc
	for _, seg := range strings.Split(frag, "/")[1:] {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
		if v == nil {
			return nil
		}
	}
	return v
}
