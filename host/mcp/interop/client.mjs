// The TypeScript SDK's client against SAA's /mcp with a bearer token: list
// the tools, call echo, print what came back as one JSON line.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.SAA_MCP_URL);
const transport = new StreamableHTTPClientTransport(url, {
  requestInit: { headers: { Authorization: `Bearer ${process.env.SAA_TOKEN}` } },
});
const client = new Client({ name: "saa-interop", version: "1.0.0" });
await client.connect(transport);
const list = await client.listTools();
const call = await client.callTool({ name: "echo-echo", arguments: { message: "hi from typescript" } });
console.log(JSON.stringify({
  session: transport.sessionId,
  tools: list.tools.map((t) => ({ name: t.name, readOnly: t.annotations?.readOnlyHint, hasOutputSchema: !!t.outputSchema })),
  structured: call.structuredContent,
  text: call.content[0]?.text,
  isError: call.isError ?? false,
}));
await client.close();
