package httpapi

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/httpapi/lint"
)

// clientProgram is what a TypeScript agent would write against a client
// generated from /openapi.json: invoke an action, read a run (an action's
// or an agent's), start an agent run, decide its paused call and cancel
// it, ask the semantic layer for context and read a dataset. Each
// @ts-expect-error line must fail to type-check, so a document that types
// everything as any fails too.
const clientProgram = `import createClient from "openapi-fetch";
import type { paths, components } from "./schema";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function echo(token: string): Promise<string> {
  const { data, error } = await client.POST("/v1/actions/echo/echo", {
    body: { message: "hi" },
    headers: { Authorization: "Bearer " + token, "Idempotency-Key": "k1" },
  });
  if (error) {
    throw new Error(error.type + ": " + (error.detail ?? ""));
  }
  if ("id" in data) {
    throw new Error("accepted as run " + data.id); // 202 (Prefer: respond-async)
  }
  if ("handle" in data) {
    return "stored as " + data.handle + ", " + data.chunks + " chunks"; // Prefer: return=handle
  }
  return data.message;
}

export async function run(id: string): Promise<string> {
  const { data } = await client.GET("/v1/runs/{id}", { params: { path: { id } } });
  if (!data) return "";
  if ("kind" in data) return agentRun(data); // an agent's run
  const status: "queued" | "running" | "succeeded" | "failed" = data.status;
  const output: unknown = data.output;
  const kind: string | undefined = data.error?.kind;
  const message: string | undefined = data.error?.message;
  const state: "waiting" | "pending" | "delivered" | "failed" | undefined = data.callback?.state;
  const attempts: number | undefined = data.callback?.attempts;
  return [status, JSON.stringify(output), kind, message, state, attempts].join(" ");
}

export function agentRun(r: components["schemas"]["AgentRun"]): string {
  const status: "queued" | "running" | "waiting_for_approval" | "succeeded" | "failed" | "canceled" = r.status;
  const calls = r.pending_approvals.map((p) => p.call_id + " " + p.plugin + "." + p.action + " " + p.effect + " " + JSON.stringify(p.arguments));
  const steps = r.steps.map((s) => s.kind + " " + s.status + " " + (s.usage?.total_tokens ?? 0));
  return [status, r.agent, r.output ?? "", r.error?.kind ?? "", r.usage.total_tokens, ...calls, ...steps].join("\n");
}

export async function triage(token: string): Promise<string> {
  const { data, error, response } = await client.POST("/v1/agents/{name}/runs", {
    params: { path: { name: "triage" } },
    body: { input: { tickets: [] }, mode: "manual" },
    headers: { Authorization: "Bearer " + token, "Idempotency-Key": "k1" },
  });
  if (error) throw new Error(error.type);
  return response.headers.get("Location") + " " + data.id + " " + data.status;
}

export async function approve(id: string, call_id: string): Promise<string> {
  const { data } = await client.POST("/v1/runs/{id}/approvals/{call_id}", {
    params: { path: { id, call_id } },
    body: { decision: "reject", reason: "a duplicate" },
  });
  const canceled = await client.POST("/v1/runs/{id}/cancel", { params: { path: { id } } });
  return (data?.decision ?? "") + " " + (canceled.data?.status ?? "");
}

export async function agentNames(): Promise<string[]> {
  const { data } = await client.GET("/v1/agents");
  return (data?.agents ?? []).map((a) => a.name + " " + a.required_scope + " " + a.approval);
}

// @ts-expect-error a decision is approve or reject
export const maybe: components["schemas"]["AgentDecisionRequest"] = { decision: "maybe" };

// @ts-expect-error an agent run's input is required
export const noInput: components["schemas"]["AgentRunRequest"] = { mode: "manual" };

export async function context(q: string): Promise<string> {
  const { data, error } = await client.GET("/v1/semantic/context", { params: { query: { q, budget: 500 } } });
  if (error) throw new Error(error.type);
  const fields = data.fields.map((f) => f.dataset + "." + f.field + " " + f.score.toFixed(2) + " " + f.sensitivity);
  return [data.prompt, data.tokens, data.truncated, ...fields].join("\n");
}

export async function dataset(name: string): Promise<string[]> {
  const { data } = await client.GET("/v1/semantic/datasets/{name}", { params: { path: { name } } });
  return (data?.fields ?? []).map((f) => f.name + (f.nullable ? "?" : ""));
}

// @ts-expect-error the question is required
export const noQuestion = () => client.GET("/v1/semantic/context", { params: { query: { budget: 500 } } });

export const input: components["schemas"]["echo.echo.input"] = { message: "typed" };

// @ts-expect-error the message must be a string
export const wrongType: components["schemas"]["echo.echo.input"] = { message: 1 };

// @ts-expect-error runs answer output, not result
export const noResult = (r: components["schemas"]["Run"]) => r.result;
`

// TestGeneratedTypeScriptClient generates a TypeScript client from the
// served /openapi.json, of a server with a semantic layer and agents, with
// openapi-typescript and type-checks a program using it with tsc (both
// installed by make test-deps).
func TestGeneratedTypeScriptClient(t *testing.T) {
	l := semanticLayer(t)
	_, runs := agentRuns(t)
	f := newFixture(t, options{config: func(c *Config) { c.Semantic, c.Agents = l, runs }})
	r := f.call(http.MethodGet, "/openapi.json", "", "")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d", r.StatusCode)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := lint.TypeScript(path, clientProgram); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
