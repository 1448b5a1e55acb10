package httpapi

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/httpapi/lint"
)

// clientProgram is what a TypeScript agent would write against a client
// generated from /openapi.json: invoke an action, read a run, ask the
// semantic layer for context and read a dataset. Each
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
  const status: "queued" | "running" | "succeeded" | "failed" = data.status;
  const output: unknown = data.output;
  const kind: string | undefined = data.error?.kind;
  const message: string | undefined = data.error?.message;
  const state: "waiting" | "pending" | "delivered" | "failed" | undefined = data.callback?.state;
  const attempts: number | undefined = data.callback?.attempts;
  return [status, JSON.stringify(output), kind, message, state, attempts].join(" ");
}

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
// served /openapi.json, of a server with a semantic layer, with
// openapi-typescript and type-checks a program using it with tsc (both
// installed by make test-deps).
func TestGeneratedTypeScriptClient(t *testing.T) {
	f := semanticFixture(t)
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
