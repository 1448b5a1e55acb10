package openapi

import (
	"github.com/secure-agent/saa/host/agents"
)

// agentPaths are the operations on agents and their runs, which the server
// mounts only when agents are configured. GET /v1/runs/{id} is shared with
// action runs: runOperation answers either shape then.
func agentPaths() map[string]any {
	return map[string]any{
		"/v1/agents":                        map[string]any{"get": listAgentsOperation()},
		"/v1/agents/{name}/runs":            map[string]any{"post": startAgentRunOperation()},
		"/v1/runs/{id}/approvals/{call_id}": map[string]any{"post": decideApprovalOperation()},
		"/v1/runs/{id}/cancel":              map[string]any{"post": cancelAgentRunOperation()},
		"/v1/runs/{id}/events":              map[string]any{"get": agentRunEventsOperation()},
	}
}

// agentScopes describes the host's fixed agent scopes. Each agent has a
// scope of its own, agents:<name>; the agent definitions, not the
// document, list those (GET /v1/agents names each agent's).
func agentScopes() map[string]any {
	return map[string]any{
		agents.ScopeContinuous: "Start agent runs in continuous mode: no call pauses for a human's approval",
		agents.ScopeApprove:    "Read any agent run, and approve or reject its paused calls (never those of the client's own runs)",
	}
}

func pathParam(name, desc string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "description": desc,
		"schema": map[string]any{"type": "string"}}
}

func runIDParam() map[string]any {
	return pathParam("id", "The run id from the Location header.")
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// problems adds the Problem response for each status code to responses.
func problems(responses map[string]any, codes ...string) map[string]any {
	for _, c := range codes {
		responses[c] = ref("responses", "Problem")
	}
	responses["401"] = ref("responses", "Unauthorized")
	responses["429"] = ref("responses", "TooManyRequests")
	return responses
}

func listAgentsOperation() map[string]any {
	return map[string]any{
		"operationId": "listAgents",
		"summary":     "List the agents the token may run",
		"description": "Each agent whose scope agents:<name> the token holds, with its tools, handoffs, agents it calls as tools, and approval policy.",
		"tags":        []any{"agents"},
		"responses": problems(map[string]any{
			"200": map[string]any{"description": "The agents.", "content": jsonContent(ref("schemas", "AgentList"))},
		}),
	}
}

func startAgentRunOperation() map[string]any {
	return map[string]any{
		"operationId": "startAgentRun",
		"summary":     "Start an agent run",
		"description": "Starts a durable run of the agent in the background and answers 202 with Location: /v1/runs/{id}; read it there, or follow /v1/runs/{id}/events. Requires scope agents:<name>, and agents:continuous for mode continuous. An agent the token may not run answers 403; one that does not exist answers 404.",
		"tags":        []any{"agents"},
		"parameters": []any{pathParam("name", "The agent's name."), ref("parameters", "AgentIdempotencyKey"),
			ref("parameters", "CallbackURL")},
		"requestBody": map[string]any{
			"required": true,
			"content":  jsonContent(ref("schemas", "AgentRunRequest")),
		},
		"responses": problems(map[string]any{
			"202": map[string]any{
				"description": "The run was accepted; poll Location.",
				"headers":     map[string]any{"Location": ref("headers", "Location"), "X-Run-Id": ref("headers", "RunID")},
				"content":     jsonContent(ref("schemas", "AgentRun")),
			},
			"403": ref("responses", "Forbidden"),
		}, "400", "404", "413", "415", "422"),
	}
}

func decideApprovalOperation() map[string]any {
	return map[string]any{
		"operationId": "decideAgentApproval",
		"summary":     "Approve or reject a paused call",
		"description": "Decides a call the run paused for a human (pending_approvals). Requires scope " + agents.ScopeApprove + ", and the approver must not be the client running the agent (403). A call that is not paused, or was decided already, answers 409. A rejection goes back to the model with its reason.",
		"tags":        []any{"agents"},
		"security":    []any{map[string]any{"oauth2": []any{agents.ScopeApprove}}},
		"parameters":  []any{runIDParam(), pathParam("call_id", "The paused call's call_id, from pending_approvals.")},
		"requestBody": map[string]any{
			"required": true,
			"content":  jsonContent(ref("schemas", "AgentDecisionRequest")),
		},
		"responses": problems(map[string]any{
			"200": map[string]any{"description": "The decision was recorded; the run resumes.", "content": jsonContent(ref("schemas", "AgentDecision"))},
			"403": ref("responses", "Forbidden"),
		}, "400", "404", "409"),
	}
}

func cancelAgentRunOperation() map[string]any {
	return map[string]any{
		"operationId": "cancelAgentRun",
		"summary":     "Cancel an agent run",
		"description": "Stops the run; it ends with status canceled. The client that started the run, or a holder of " + agents.ScopeApprove + ", may cancel it. A run that has finished answers 409.",
		"tags":        []any{"agents"},
		"parameters":  []any{runIDParam()},
		"responses": problems(map[string]any{
			"202": map[string]any{"description": "The run is being canceled.", "content": jsonContent(ref("schemas", "AgentCancel"))},
		}, "404", "409"),
	}
}

func agentRunEventsOperation() map[string]any {
	return map[string]any{
		"operationId": "streamAgentRunEvents",
		"summary":     "Follow an agent run as server-sent events",
		"description": "The run's steps as events named step (data: an AgentStep; id: the step's index, so a client that reconnects with Last-Event-ID resumes after it), delta events (data: an AgentDelta, no id) with the text of the model call in flight as it arrives — the step that follows holds the whole answer —, a status event (data: an AgentRunStatus) at the start and whenever the status or the pending approvals change, and a final end event (data: the AgentRun) when the run has finished. Each data is one line of JSON. The server closes the stream after 10 minutes; reconnect with Last-Event-ID. The client that started the run, or a holder of " + agents.ScopeApprove + ", may follow it.",
		"tags":        []any{"agents"},
		"parameters": []any{runIDParam(), map[string]any{
			"name": "Last-Event-ID", "in": "header", "required": false,
			"description": "The id of the last step event received: the stream resumes with the step after it.",
			"schema":      map[string]any{"type": "string", "pattern": "^[0-9]+$"},
		}},
		"responses": problems(map[string]any{
			"200": map[string]any{
				"description": "The event stream.",
				"headers": map[string]any{"Cache-Control": map[string]any{
					"description": "no-store", "schema": map[string]any{"type": "string"}}},
				"content": map[string]any{"text/event-stream": map[string]any{
					"schema": map[string]any{
						"type": "string", "description": "Server-sent events. contentSchema says what an event's data may be; x-saa-events names the schema of each event's data.",
						"contentSchema": map[string]any{"anyOf": []any{ref("schemas", "AgentStep"), ref("schemas", "AgentDelta"), ref("schemas", "AgentRunStatus"), ref("schemas", "AgentRun")}},
					},
					"x-saa-events": map[string]any{
						"step":   ref("schemas", "AgentStep"),
						"delta":  ref("schemas", "AgentDelta"),
						"status": ref("schemas", "AgentRunStatus"),
						"end":    ref("schemas", "AgentRun"),
					},
				}},
			},
		}, "404"),
	}
}

// agentRunStatuses are the statuses of an agent run.
var agentRunStatuses = []any{agents.StatusQueued, agents.StatusRunning, agents.StatusWaitingForApproval,
	agents.StatusSucceeded, agents.StatusFailed, agents.StatusCanceled}

// agentSchemas are the JSON the agent handlers encode and read: agents'
// Listing, RunView (and its parts), the status event, and the bodies of
// the start, approval and cancel calls.
func agentSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	strs := map[string]any{"type": "array", "items": str}
	ts := map[string]any{"type": "string", "format": "date-time"}
	count := map[string]any{"type": "integer", "minimum": 0}
	object := func(required []any, props map[string]any) map[string]any {
		return map[string]any{"type": "object", "properties": props, "required": required}
	}
	enum := func(values ...any) map[string]any { return map[string]any{"type": "string", "enum": values} }
	status := enum(agentRunStatuses...)
	pending := map[string]any{"type": "array", "items": ref("schemas", "AgentPendingApproval")}
	run := object([]any{"id", "kind", "agent", "status", "usage", "steps", "pending_approvals", "created_at"}, map[string]any{
		"id":     str,
		"kind":   map[string]any{"const": "agent", "description": "Always agent: an action's run has no kind."},
		"agent":  map[string]any{"type": "string", "description": "The agent running now: a handoff changes it."},
		"status": status,
		"output": map[string]any{"type": "string", "description": "The agent's final answer, when the run succeeded."},
		"error":  ref("schemas", "AgentRunError"),
		"usage":  ref("schemas", "AgentUsage"),
		"steps":  map[string]any{"type": "array", "items": ref("schemas", "AgentStep")},
		// A run waiting for approval has at least one; others none.
		"pending_approvals": pending,
		"created_at":        ts,
		"finished_at":       ts,
	})
	run["description"] = "An agent run, as GET /v1/runs/{id} answers it: kind is agent."
	return map[string]any{
		"AgentList": object([]any{"agents"}, map[string]any{
			"agents": map[string]any{"type": "array", "items": ref("schemas", "AgentListing")},
		}),
		"AgentListing": object([]any{"name", "kind", "tools", "handoffs", "agents_as_tools", "approval", "required_scope"}, map[string]any{
			"name": str, "description": str,
			"kind":            map[string]any{"type": "string", "enum": []any{agents.KindAgent, agents.KindWorkflow}, "description": "An agent (a model in a loop) or a workflow (fixed steps)."},
			"tools":           map[string]any{"type": "array", "items": str, "description": "The actions it may call, as plugin.action; a workflow's action steps."},
			"handoffs":        map[string]any{"type": "array", "items": str, "description": "The agents it may hand the conversation to."},
			"agents_as_tools": map[string]any{"type": "array", "items": str, "description": "The agents it may call as tools."},
			"approval": map[string]any{"type": "string", "enum": []any{agents.ApproveNone, agents.ApproveWrites, agents.ApproveAll},
				"description": "Which calls pause for a human in manual mode: none, those of write or destructive actions, or all."},
			"required_scope": map[string]any{"type": "string", "description": "The scope that runs it: agents:<name>."},
		}),
		"AgentRunRequest": map[string]any{
			"type": "object", "required": []any{"input"}, "additionalProperties": false,
			"properties": map[string]any{
				"input": map[string]any{"description": "The task: text, or any JSON value, which the agent gets as its JSON text."},
				"mode": map[string]any{"type": "string", "enum": []any{agents.ModeManual, agents.ModeContinuous}, "default": agents.ModeManual,
					"description": "manual pauses the calls the agent's approval policy selects; continuous pauses none and needs scope " + agents.ScopeContinuous + "."},
			},
		},
		"AgentRun": run,
		"AgentRunError": map[string]any{
			"type": "object", "required": []any{"kind", "message"},
			"description": "Why the run failed or was canceled.",
			"properties": map[string]any{
				"kind": enum(agents.KindBudget, agents.KindLLM, agents.KindFiltered, agents.KindRefused, agents.KindStep, agents.KindInvalid,
					agents.KindInterrupted, agents.KindCanceled),
				"message": str,
			},
		},
		"AgentUsage": object([]any{"prompt_tokens", "completion_tokens", "total_tokens", "calls"}, map[string]any{
			"prompt_tokens": count, "completion_tokens": count, "total_tokens": count,
			"calls": map[string]any{"type": "integer", "minimum": 0, "description": "How many model calls the usage covers."},
		}),
		"AgentStep": object([]any{"kind", "agent", "status", "at"}, map[string]any{
			"kind":    enum("llm", "tool", "handoff", "agent", "approval"),
			"agent":   map[string]any{"type": "string", "description": "The agent that took the step."},
			"tool":    map[string]any{"type": "string", "description": "The tool, handoff or agent called, as the model named it."},
			"call_id": str,
			"status":  enum("ok", "error", "rejected", "approved", "auto_approved", "interrupted"),
			"error":   str,
			"usage":   ref("schemas", "AgentUsage"),
			"at":      ts,
		}),
		"AgentPendingApproval": object([]any{"call_id", "agent", "tool", "description", "arguments", "plugin", "action", "effect", "scopes", "hash", "expires_at"}, map[string]any{
			"call_id": str, "agent": str, "tool": str,
			"description": map[string]any{"type": "string", "description": "What the action does."},
			"arguments":   map[string]any{"description": "The call's arguments (JSON), as the model wrote them."},
			"plugin":      str, "action": str,
			"effect": enum("read", "write", "destructive"),
			"scopes": strs,
			"hash":   map[string]any{"type": "string", "description": "Binds a decision to this exact call."},
			"expires_at": map[string]any{"type": "string", "format": "date-time",
				"description": "After this, the call is rejected without a decision."},
		}),
		"AgentDelta": object([]any{"step", "agent", "text"}, map[string]any{
			"step":  map[string]any{"type": "integer", "minimum": 0, "description": "The index the model call's step will have."},
			"agent": map[string]any{"type": "string", "description": "The agent whose model is writing."},
			"text":  map[string]any{"type": "string", "description": "Text written since the last delta: untrusted model output."},
		}),
		"AgentRunStatus": object([]any{"status", "pending_approvals"}, map[string]any{
			"status": status, "pending_approvals": pending,
		}),
		"AgentDecisionRequest": map[string]any{
			"type": "object", "required": []any{"decision"},
			"properties": map[string]any{
				"decision": enum("approve", "reject"),
				"reason":   map[string]any{"type": "string", "description": "Why; a rejection's reason goes back to the model."},
			},
		},
		"AgentDecision": object([]any{"id", "call_id", "decision"}, map[string]any{
			"id": str, "call_id": str, "decision": enum("approve", "reject"),
		}),
		"AgentCancel": object([]any{"id", "status"}, map[string]any{
			"id": str, "status": map[string]any{"const": "canceling"},
		}),
	}
}

// agentIdempotencyKey is the Idempotency-Key of a start: a repeat answers
// the first run; the same key with another body is refused.
func agentIdempotencyKey() map[string]any {
	return map[string]any{"name": headerIdempotencyKey, "in": "header", "required": false,
		"description": "Makes a retried start answer the first run (202, the same run id) instead of starting another. Keys are the client's own. The same key with another agent, input, mode or Callback-Url answers 422 (idempotency-key-reused).",
		"schema":      map[string]any{"type": "string"}}
}
