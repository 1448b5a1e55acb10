// Package interop runs real MCP clients against SAA's /mcp: the TypeScript
// SDK's client, the MCP Inspector's CLI and the official conformance suite,
// on the Node 22 pinned in package.json (`npm ci --prefix host/mcp/interop`).
// It has only tests.
package interop
