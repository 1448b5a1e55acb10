package openapi

import (
	"encoding/json"
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
