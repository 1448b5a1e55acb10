// Package openapi generates the OpenAPI 3.1 document of SAA's REST surface
// from the loaded manifests, so that the document always describes the
// actions the server really runs, with their real schemas and scopes.
//
// It only describes; it enforces nothing.
package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/manifests"
)

// Build returns the OpenAPI 3.1 document of the REST surface from the
// loaded manifests: one operation per action with its real input and output
// schemas and scopes, the OAuth 2.0 client-credentials security scheme, and
// the run and catalog endpoints. publicURL is the server's base URL; parts
// are the optional parts of the surface the server mounts.
func Build(plugins []*manifests.Manifest, publicURL, version string, parts ...Part) ([]byte, error) {
	on := mounted{semantic: slices.Contains(parts, PartSemantic), agents: slices.Contains(parts, PartAgents)}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "SAA actions",
			"version":     version,
			"description": "Sandboxed actions for AI agents. Get a token with the client-credentials grant, then POST an action's input JSON to its path.",
			"license":     map[string]any{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"servers":    []any{map[string]any{"url": publicURL}},
		"security":   []any{map[string]any{"oauth2": []any{}}},
		"tags":       tags(plugins, on),
		"paths":      paths(plugins, on),
		"components": components(plugins, publicURL, on),
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode openapi: %w", err)
	}
	return b, nil
}

// Part is an optional part of the REST surface.
type Part string

// PartSemantic is the semantic layer under /v1/semantic, mounted when the
// server has one.
const PartSemantic Part = "semantic"

// PartAgents is the agents' API (/v1/agents and the agent-run operations
// under /v1/runs/{id}), mounted when agents are configured.
const PartAgents Part = "agents"

// mounted says which optional parts the document describes.
type mounted struct{ semantic, agents bool }

// tags gives each plugin a tag, so docs group its actions.
func tags(plugins []*manifests.Manifest, on mounted) []any {
	out := []any{map[string]any{"name": "runtime", "description": "The catalog and asynchronous runs."}}
	if on.agents {
		out = append(out, map[string]any{"name": "agents", "description": "Agents: start durable runs, follow them, approve or reject their paused calls, cancel them."})
	}
	if on.semantic {
		out = append(out, map[string]any{"name": "semantic", "description": "The semantic layer: the warehouse's datasets and the context to write SQL for a question."})
	}
	for _, m := range plugins {
		out = append(out, map[string]any{
			"name":        m.Name,
			"description": fmt.Sprintf("%s (version %s, by %s)", m.Description, m.Version, m.Publisher),
		})
	}
	return out
}

func paths(plugins []*manifests.Manifest, on mounted) map[string]any {
	out := map[string]any{
		"/v1/actions":   map[string]any{"get": catalogOperation()},
		"/v1/runs/{id}": map[string]any{"get": runOperation(on.agents)},
	}
	for path, op := range ragPaths() {
		out[path] = op
	}
	if on.agents {
		maps.Copy(out, agentPaths())
	}
	if on.semantic {
		for path, op := range semanticPaths() {
			out[path] = op
		}
	}
	for _, m := range plugins {
		for _, a := range m.Actions {
			out[ActionPath(m.Name, a.Name)] = map[string]any{"post": actionOperation(m, a)}
		}
	}
	return out
}

// Names the document uses for the REST surface's headers; httpapi's tests
// hold them equal to the constants the handlers read.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerCallbackURL    = "Callback-Url"
	// maxIdempotencyKey bounds an Idempotency-Key.
	maxIdempotencyKey = 255
)

// ActionPath is the REST path that invokes plugin.action.
func ActionPath(plugin, action string) string {
	return "/v1/actions/" + plugin + "/" + action
}

// schemaName is the components/schemas key of an action's input or output.
func schemaName(plugin, action, which string) string {
	return plugin + "." + action + "." + which
}

func ref(kind, name string) map[string]any {
	return map[string]any{"$ref": "#/components/" + kind + "/" + name}
}

func actionOperation(m *manifests.Manifest, a manifests.Action) map[string]any {
	scopes := m.NamespacedScopes(a)
	summary := a.Description
	if i := strings.IndexAny(summary, ".\n"); i > 0 {
		summary = summary[:i]
	}
	return map[string]any{
		"operationId": m.Name + "." + a.Name,
		"summary":     summary,
		"description": fmt.Sprintf("%s\n\nEffect: %s. Requires scopes: %s.", a.Description, a.Effect, scopeList(scopes)),
		"tags":        []any{m.Name},
		"security":    []any{map[string]any{"oauth2": scopes}},
		"parameters": []any{ref("parameters", "Prefer"), ref("parameters", "IdempotencyKey"),
			ref("parameters", "CallbackURL")},
		"requestBody": map[string]any{
			"required": true,
			"content": map[string]any{"application/json": map[string]any{
				"schema": ref("schemas", schemaName(m.Name, a.Name, "input")),
			}},
		},
		"responses":    actionResponses(m.Name, a.Name),
		"x-saa-effect": string(a.Effect),
	}
}

func scopeList(scopes []string) string {
	if len(scopes) == 0 {
		return "none"
	}
	return strings.Join(scopes, ", ")
}

func actionResponses(plugin, action string) map[string]any {
	return map[string]any{
		"200": map[string]any{
			"description": "The action's output, or, with Prefer: return=handle or over the action's rag.threshold, the envelope of a RAG handle holding it.",
			"headers":     map[string]any{"X-Run-Id": ref("headers", "RunID")},
			"content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"oneOf": []any{
					ref("schemas", schemaName(plugin, action, "output")),
					ref("schemas", "RAGEnvelope"),
				}},
			}},
		},
		"202": ref("responses", "Accepted"),
		"400": ref("responses", "Problem"),
		"401": ref("responses", "Unauthorized"),
		"403": ref("responses", "Forbidden"),
		"404": ref("responses", "Problem"),
		"409": ref("responses", "Problem"),
		"413": ref("responses", "Problem"),
		"415": ref("responses", "Problem"),
		"422": ref("responses", "Problem"),
		"429": ref("responses", "TooManyRequests"),
		"502": ref("responses", "Problem"),
		"503": ref("responses", "Problem"),
		"504": ref("responses", "Problem"),
	}
}

func catalogOperation() map[string]any {
	return map[string]any{
		"operationId": "listActions",
		"summary":     "List the actions the token may call",
		"description": "Each action with its input and output JSON Schemas and required scopes. With format=openai, the same actions as OpenAI function-calling tools, ready for a tool list.",
		"tags":        []any{"runtime"},
		"parameters": []any{map[string]any{
			"name": "format", "in": "query", "required": false,
			"description": "openai for OpenAI function-calling tools.",
			"schema":      map[string]any{"type": "string", "enum": []any{"openai"}},
		}},
		"responses": map[string]any{
			"200": map[string]any{
				"description": "The catalog.",
				"content": map[string]any{"application/json": map[string]any{
					"schema": map[string]any{"oneOf": []any{ref("schemas", "Catalog"), ref("schemas", "OpenAITools")}},
				}},
			},
			"400": ref("responses", "Problem"),
			"401": ref("responses", "Unauthorized"),
			"429": ref("responses", "TooManyRequests"),
		},
	}
}

// runOperation reads a run: an action's, or with agents an agent's, which
// answers another shape with kind agent.
func runOperation(agentsOn bool) map[string]any {
	desc := "The run's status (queued, running, succeeded, failed), its result or error, and its timings. Only the client that started a run may read it."
	schema := ref("schemas", "Run")
	if agentsOn {
		desc = "An action's run (Run): its status (queued, running, succeeded, failed), its result or error, and its timings; only the client that started it may read it. " +
			"Or an agent's run (AgentRun, whose kind is agent): its status, steps, token usage, the calls waiting for approval, and its output or error; the client that started it, or a holder of " + agents.ScopeApprove + ", may read it."
		schema = map[string]any{"oneOf": []any{ref("schemas", "Run"), ref("schemas", "AgentRun")}}
	}
	return map[string]any{
		"operationId": "getRun",
		"summary":     "Get an asynchronous run",
		"description": desc,
		"tags":        []any{"runtime"},
		"parameters": []any{map[string]any{
			"name": "id", "in": "path", "required": true, "description": "The run id from the Location header.",
			"schema": map[string]any{"type": "string"},
		}},
		"responses": map[string]any{
			"200": map[string]any{
				"description": "The run.",
				"content":     map[string]any{"application/json": map[string]any{"schema": schema}},
			},
			"401": ref("responses", "Unauthorized"),
			"404": ref("responses", "Problem"),
			"429": ref("responses", "TooManyRequests"),
		},
	}
}
