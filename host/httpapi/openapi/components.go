package openapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/secure-agent/saa/manifests"
)

func components(plugins []*manifests.Manifest, publicURL string, on mounted) map[string]any {
	schemas := fixedSchemas()
	scopes := scopeDescriptions(plugins)
	parameters := fixedParameters()
	if on.agents {
		maps.Copy(schemas, agentSchemas())
		maps.Copy(scopes, agentScopes())
		parameters["AgentIdempotencyKey"] = agentIdempotencyKey()
	}
	if on.semantic {
		maps.Copy(schemas, semanticSchemas())
		maps.Copy(scopes, semanticScopes())
	}
	for _, m := range plugins {
		for _, a := range m.Actions {
			for _, s := range []struct {
				which string
				raw   json.RawMessage
			}{{"input", a.Input}, {"output", a.Output}} {
				embedSchema(schemas, schemaName(m.Name, a.Name, s.which), s.raw)
			}
		}
	}
	return map[string]any{
		"schemas":    schemas,
		"responses":  fixedResponses(),
		"parameters": parameters,
		"headers":    fixedHeaders(),
		"securitySchemes": map[string]any{"oauth2": map[string]any{
			"type":        "oauth2",
			"description": "OAuth 2.0 client credentials. Ask for the scopes the actions you call require.",
			"flows": map[string]any{"clientCredentials": map[string]any{
				"tokenUrl": strings.TrimSuffix(publicURL, "/") + "/oauth2/token",
				"scopes":   scopes,
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

func fixedParameters() map[string]any {
	header := func(name, desc string, schema map[string]any) map[string]any {
		return map[string]any{"name": name, "in": "header", "required": false, "description": desc, "schema": schema}
	}
	return map[string]any{
		"Prefer": header("Prefer", "respond-async runs the action in the background: the answer is 202 with Location: /v1/runs/{id}. return=handle answers a RAG handle's envelope (handle, summary, how to query) instead of the output; return=handle; over=n does so only for an output over n bytes; an output over the action's rag.threshold always does.",
			map[string]any{"type": "string", "examples": []any{"respond-async", "return=handle", "return=handle; over=65536"}}),
		"IdempotencyKey": header(headerIdempotencyKey, "Makes a retried invocation return the first one's result instead of running again. Reusing a key with another input is refused (422); retrying while the first is still running gets 409.",
			map[string]any{"type": "string", "maxLength": maxIdempotencyKey}),
		"CallbackURL": header(headerCallbackURL, "With respond-async: where to POST the finished run. The body is the run (without its callback member), signed as Standard Webhooks specifies: webhook-id (the run id, the same on every retry), webhook-timestamp (Unix seconds) and webhook-signature: v1,<base64 HMAC-SHA256(key, id + \".\" + timestamp + \".\" + body)>; the key is the client's, from GET /admin/api/v1/webhook-secrets/{client_id}. The URL goes through the egress guard. Failed deliveries are retried with exponential back-off, except when the receiver answers 4xx other than 408 or 429.",
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
		"RAGEnvelope": ragEnvelopeSchema(),
		"Problem": map[string]any{"type": "object", "properties": map[string]any{
			"type": map[string]any{"type": "string", "format": "uri"}, "title": str,
			"status": map[string]any{"type": "integer"}, "detail": str,
			"connect_url": map[string]any{"type": "string", "format": "uri-reference",
				"description": "account-not-connected only: where the user connects the account the action needs."},
			"provider": map[string]any{"type": "string", "description": "account-not-connected only: the OAuth provider of that account."},
			"secret":   map[string]any{"type": "string", "description": "account-not-connected only: the manifest's per-user secret that needs it."},
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
		"Run":         runSchema(),
		"RunError":    runErrorSchema(),
		"RunCallback": runCallbackSchema(),
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
			"output":      map[string]any{"description": "The action's output (JSON), when the run succeeded."},
			"error":       ref("schemas", "RunError"),
			"created_at":  ts,
			"started_at":  ts,
			"finished_at": ts,
			"callback":    ref("schemas", "RunCallback"),
		},
		"required": []any{"id", "plugin", "action", "status", "created_at"},
	}
}

// runErrorSchema is why a run failed: the kind is the last segment of the
// problem type a synchronous call would have answered.
func runErrorSchema() map[string]any {
	return map[string]any{
		"type":        "object",
		"description": "Why the run failed, when it failed. kind is what a synchronous call would have answered as problem type https://saa.dev/problems/<kind>.",
		"properties": map[string]any{
			"kind":    map[string]any{"type": "string", "examples": []any{"plugin-timeout", "invalid-output"}},
			"message": map[string]any{"type": "string"},
		},
		"required": []any{"kind", "message"},
	}
}

// runCallbackSchema is how a run's callback delivery is going.
func runCallbackSchema() map[string]any {
	ts := map[string]any{"type": "string", "format": "date-time"}
	return map[string]any{
		"type":        "object",
		"description": "Where the finished run is POSTed (Callback-Url) and how delivery is going: waiting for the run to finish, pending (being delivered or retried), delivered, or failed. failed is final: attempts ran out, or the receiver refused with a 4xx other than 408 and 429 (last_error says so).",
		"properties": map[string]any{
			"url":             map[string]any{"type": "string", "format": "uri"},
			"state":           map[string]any{"type": "string", "enum": []any{"waiting", "pending", "delivered", "failed"}},
			"attempts":        map[string]any{"type": "integer", "minimum": 0},
			"next_attempt_at": ts,
			"last_status":     map[string]any{"type": "integer", "description": "The HTTP status of the last attempt, if it got one."},
			"last_error":      map[string]any{"type": "string"},
			"delivered_at":    ts,
		},
		"required": []any{"url", "state", "attempts"},
	}
}
