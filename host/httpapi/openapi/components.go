package openapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/secure-agent/saa/manifests"
)

func components(plugins []*manifests.Manifest, publicURL string) map[string]any {
	schemas := fixedSchemas()
	for _, m := range plugins {
		for _, a := range m.Actions {
			for which, raw := range map[string]json.RawMessage{"input": a.Input, "output": a.Output} {
				name := schemaName(m.Name, a.Name, which)
				schemas[name] = embedSchema(raw, "#/components/schemas/"+name)
			}
		}
	}
	return map[string]any{
		"schemas":    schemas,
		"responses":  fixedResponses(),
		"parameters": fixedParameters(),
		"headers":    fixedHeaders(),
		"securitySchemes": map[string]any{"oauth2": map[string]any{
			"type":        "oauth2",
			"description": "OAuth 2.0 client credentials. Ask for the scopes the actions you call require.",
			"flows": map[string]any{"clientCredentials": map[string]any{
				"tokenUrl": strings.TrimSuffix(publicURL, "/") + "/oauth2/token",
				"scopes":   scopeDescriptions(plugins),
			}},
		}},
	}
}

// scopeDescriptions lists every action scope with the actions it unlocks.
func scopeDescriptions(plugins []*manifests.Manifest) map[string]any {
	uses := map[string][]string{}
	for _, m := range plugins {
		for _, a := range m.Actions {
			for _, s := range m.NamespacedScopes(a) {
				uses[s] = append(uses[s], m.Name+"."+a.Name)
			}
		}
	}
	out := make(map[string]any, len(uses))
	for _, s := range slices.Sorted(maps.Keys(uses)) {
		out[s] = "Call " + strings.Join(uses[s], ", ")
	}
	return out
}

// embedSchema decodes an action's JSON Schema for embedding at base (a JSON
// pointer inside the OpenAPI document): references local to the schema
// ("#/$defs/x") are rewritten to point inside it there, and $id and $schema,
// which would change how the document's references resolve, are dropped
// from its root. A schema that does not decode is embedded as "any value"
// (manifests are validated at load, so this does not happen).
func embedSchema(raw json.RawMessage, base string) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return map[string]any{}
	}
	if root, ok := v.(map[string]any); ok {
		delete(root, "$id")
		delete(root, "$schema")
	}
	return rewriteRefs(v, base)
}

func rewriteRefs(v any, base string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok && k == "$ref" && strings.HasPrefix(s, "#") {
				t[k] = base + strings.TrimPrefix(s, "#")
				continue
			}
			t[k] = rewriteRefs(child, base)
		}
	case []any:
		for i, child := range t {
			t[i] = rewriteRefs(child, base)
		}
	}
	return v
}

func fixedParameters() map[string]any {
	header := func(name, desc string, schema map[string]any) map[string]any {
		return map[string]any{"name": name, "in": "header", "required": false, "description": desc, "schema": schema}
	}
	return map[string]any{
		"Prefer": header("Prefer", "respond-async runs the action in the background: the answer is 202 with Location: /v1/runs/{id}. return=handle answers a RAG handle's envelope (handle, summary, how to query) instead of the output; an output over the action's rag.threshold always does.",
			map[string]any{"type": "string", "examples": []any{"respond-async", "return=handle"}}),
		"IdempotencyKey": header(headerIdempotencyKey, "Makes a retried invocation return the first one's result instead of running again. Reusing a key with another input is refused (422); retrying while the first is still running gets 409.",
			map[string]any{"type": "string", "maxLength": maxIdempotencyKey}),
		"CallbackURL": header(headerCallbackURL, "With respond-async: where to POST the finished run. The body is the run; the X-SAA-Signature header is t=<unix time>,v1=<hex HMAC-SHA256 over \"<t>.<body>\">. The URL goes through the egress guard.",
			map[string]any{"type": "string", "format": "uri"}),
	}
}

func fixedHeaders() map[string]any {
	return map[string]any{
		"RunID":      map[string]any{"description": "The run id, also in the audit log.", "schema": map[string]any{"type": "string"}},
		"Location":   map[string]any{"description": "Where to poll the run.", "schema": map[string]any{"type": "string"}},
		"RetryAfter": map[string]any{"description": "Seconds to wait before retrying.", "schema": map[string]any{"type": "integer"}},
	}
}

func fixedResponses() map[string]any {
	problemContent := map[string]any{"application/problem+json": map[string]any{"schema": ref("schemas", "Problem")}}
	withHeader := func(desc, name, header string) map[string]any {
		return map[string]any{"description": desc, "content": problemContent,
			"headers": map[string]any{name: ref("headers", header)}}
	}
	return map[string]any{
		"Problem": map[string]any{"description": "An error (RFC 9457); type says which kind.", "content": problemContent},
		"Unauthorized": map[string]any{"description": "No valid access token; see WWW-Authenticate.", "content": problemContent,
			"headers": map[string]any{"WWW-Authenticate": map[string]any{"schema": map[string]any{"type": "string"}}}},
		"Forbidden":       map[string]any{"description": "The token lacks a scope the action requires.", "content": problemContent},
		"TooManyRequests": withHeader("The client's rate or concurrency limit was reached.", "Retry-After", "RetryAfter"),
		"Accepted": map[string]any{
			"description": "The run was accepted (Prefer: respond-async); poll Location.",
			"headers":     map[string]any{"Location": ref("headers", "Location"), "X-Run-Id": ref("headers", "RunID")},
			"content":     map[string]any{"application/json": map[string]any{"schema": ref("schemas", "Run")}},
		},
	}
}

func fixedSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	strs := map[string]any{"type": "array", "items": str}
	return map[string]any{
		"Problem": map[string]any{"type": "object", "properties": map[string]any{
			"type": map[string]any{"type": "string", "format": "uri"}, "title": str,
			"status": map[string]any{"type": "integer"}, "detail": str,
		}, "required": []any{"type", "title", "status"}},
		"CatalogAction": map[string]any{"type": "object", "properties": map[string]any{
			"plugin": str, "name": str, "description": str,
			"effect":          map[string]any{"type": "string", "enum": []any{"read", "write", "destructive"}},
			"required_scopes": strs, "input": map[string]any{}, "output": map[string]any{}, "path": str,
		}, "required": []any{"plugin", "name", "effect", "required_scopes", "input", "output", "path"}},
		"Catalog": map[string]any{"type": "object", "properties": map[string]any{
			"actions": map[string]any{"type": "array", "items": ref("schemas", "CatalogAction")},
		}, "required": []any{"actions"}},
		"OpenAITools": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"type": map[string]any{"const": "function"},
			"function": map[string]any{"type": "object", "properties": map[string]any{
				"name": str, "description": str, "parameters": map[string]any{},
			}},
		}}},
		"Run": runSchema(),
	}
}

func runSchema() map[string]any {
	str := map[string]any{"type": "string"}
	ts := map[string]any{"type": "string", "format": "date-time"}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"id": str, "plugin": str, "action": str,
			"status":      map[string]any{"type": "string", "enum": []any{"queued", "running", "succeeded", "failed"}},
			"result":      map[string]any{"description": "The action's output, when succeeded."},
			"error":       ref("schemas", "Problem"),
			"created_at":  ts,
			"started_at":  ts,
			"finished_at": ts,
		},
		"required": []any{"id", "plugin", "action", "status", "created_at"},
	}
}
