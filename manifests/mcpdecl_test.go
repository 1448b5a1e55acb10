package manifests

import "testing"

// withMCP adds a resource, a template and a prompt served by the echo action.
func withMCP() map[string]any {
	d := validDoc()
	d["resources"] = []any{
		map[string]any{"uri": "test://static-text", "name": "static", "mime_type": "text/plain", "action": "echo", "subscribe": true},
		map[string]any{"uri_template": "test://template/{id}/data", "name": "tpl", "action": "echo"},
	}
	d["prompts"] = []any{map[string]any{
		"name": "greet", "action": "echo",
		"arguments": []any{map[string]any{"name": "who", "required": true}},
	}}
	return d
}

func TestParseResourcesAndPrompts(t *testing.T) {
	m, err := Parse(mustJSON(t, withMCP()))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Resources) != 2 || m.Resources[0].URI != "test://static-text" || !m.Resources[0].Subscribe ||
		m.Resources[1].URITemplate != "test://template/{id}/data" || m.Resources[0].MIMEType != "text/plain" {
		t.Fatalf("resources = %+v", m.Resources)
	}
	if len(m.Prompts) != 1 || m.Prompts[0].Action != "echo" || !m.Prompts[0].Arguments[0].Required {
		t.Fatalf("prompts = %+v", m.Prompts)
	}
}

func TestParseRejectsResourcesAndPrompts(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(d map[string]any)
		field  string
		reason string
	}{
		{"resource with unknown action", func(d map[string]any) { at(d, "resources", 0)["action"] = "nope" }, "resources[0].action", `no action "nope"`},
		{"resource with both uris", func(d map[string]any) { at(d, "resources", 1)["uri"] = "test://x" }, "resources[1]", "exactly one"},
		{"resource with no uri", func(d map[string]any) { delete(at(d, "resources", 0), "uri") }, "resources[0]", "exactly one"},
		{"duplicate resource", func(d map[string]any) { at(d, "resources", 1)["uri_template"] = "test://static-text" }, "resources[1]", "duplicate"},
		{"unbalanced template", func(d map[string]any) { at(d, "resources", 1)["uri_template"] = "test://t/{id/data" }, "resources[1].uri_template", "balanced"},
		{"empty template variable", func(d map[string]any) { at(d, "resources", 1)["uri_template"] = "test://t/{}/data" }, "resources[1].uri_template", "balanced"},
		{"uri without scheme", func(d map[string]any) { at(d, "resources", 0)["uri"] = "static-text" }, "resources[0].uri", "must match"},
		{"the host's uri scheme", func(d map[string]any) { at(d, "resources", 0)["uri"] = "saa://semantic/datasets/orders" }, "resources[0]", "host's own"},
		{"the host's template scheme", func(d map[string]any) { at(d, "resources", 1)["uri_template"] = "saa://rag/{handle}" }, "resources[1]", "host's own"},
		{"uri with braces", func(d map[string]any) { at(d, "resources", 0)["uri"] = "test://{id}" }, "resources[0].uri", "must match"},
		{"bad mime type", func(d map[string]any) { at(d, "resources", 0)["mime_type"] = "text" }, "resources[0].mime_type", "must match"},
		{"unknown resource field", func(d map[string]any) { at(d, "resources", 0)["scopes"] = []any{"x"} }, "resources[0].scopes", "unknown field"},
		{"resource without name", func(d map[string]any) { delete(at(d, "resources", 0), "name") }, "resources[0].name", "is required"},
		{"prompt with unknown action", func(d map[string]any) { at(d, "prompts", 0)["action"] = "nope" }, "prompts[0].action", `no action "nope"`},
		{"duplicate prompt", func(d map[string]any) {
			d["prompts"] = append(d["prompts"].([]any), map[string]any{"name": "greet", "action": "echo"})
		}, "prompts[1].name", "duplicate"},
		{"duplicate prompt argument", func(d map[string]any) {
			at(d, "prompts", 0)["arguments"] = []any{map[string]any{"name": "a"}, map[string]any{"name": "a"}}
		}, "prompts[0].arguments[1].name", "duplicate"},
		{"prompt name with hyphen", func(d map[string]any) { at(d, "prompts", 0)["name"] = "a-b" }, "prompts[0].name", "must match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := withMCP()
			tc.mutate(d)
			_, err := Parse(mustJSON(t, d))
			assertFieldError(t, err, tc.field, tc.reason)
		})
	}
}
