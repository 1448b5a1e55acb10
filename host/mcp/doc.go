// Package mcp serves SAA's actions as Model Context Protocol tools over
// Streamable HTTP at /mcp, with MCP's authorization: RFC 9728 metadata for
// the /mcp resource, bearer tokens whose aud names that resource (RFC 8707),
// 401 and 403 challenges, and Host/Origin checks against DNS rebinding.
//
// It is a surface like host/httpapi, and as thin: every tool call goes
// through host.Runtime.Invoke, so it gets the same scope checks, sandbox,
// egress guard and audit entry (with the MCP session id) as REST. The tools a
// session lists are the actions its token may call; each is named as in GET
// /v1/actions?format=openai (manifests.ToolName). Calls of write and
// destructive actions wait for the user's yes through elicitation (the
// approval policy). Beside the plugins' resources and prompts it serves the
// semantic layer's datasets and the caller's RAG handles as saa:// resources
// and one prompt per agent definition, with the checks of the REST routes.
//
// It must never pass the caller's token on to anything: a plugin receives the
// tool's arguments and nothing else, and its requests leave through the
// egress guard, which adds only the plugin's own declared secrets. It must
// never let a plugin answer for a saa:// URI or an agent's prompt.
package mcp
