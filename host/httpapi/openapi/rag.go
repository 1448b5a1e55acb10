package openapi

// ragPaths are the operations on RAG handles: outputs that came back as an
// envelope naming a handle (Prefer: return=handle, or over the action's
// rag.threshold).
func ragPaths() map[string]any {
	return map[string]any{
		"/v1/rag/{handle}/search":      map[string]any{"get": ragSearchOperation()},
		"/v1/rag/{handle}/chunks/{id}": map[string]any{"get": ragChunksOperation()},
	}
}

func handleParam() map[string]any {
	return map[string]any{
		"name": "handle", "in": "path", "required": true, "description": "The handle from an invocation's envelope.",
		"schema": map[string]any{"type": "string", "pattern": "^rag_[a-z2-7]{26}$"},
	}
}

func queryParam(name, desc string, schema map[string]any) map[string]any {
	return map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

var chunkSchema = map[string]any{
	"type":     "object",
	"required": []any{"id", "pointer", "text"},
	"properties": map[string]any{
		"id":      map[string]any{"type": "integer", "description": "Chunk number in document order; neighbours are id±1."},
		"pointer": map[string]any{"type": "string", "description": "Where the chunk came from: a JSON pointer, with #p<n> for a paragraph of text."},
		"score":   map[string]any{"type": "number", "description": "Cosine similarity to the query (search only)."},
		"text":    map[string]any{"type": "string"},
	},
}

func ragResponses(desc, member string) map[string]any {
	return map[string]any{
		"200": map[string]any{
			"description": desc,
			"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type":     "object",
				"required": []any{"handle", member},
				"properties": map[string]any{
					"handle": map[string]any{"type": "string"},
					member:   map[string]any{"type": "array", "items": chunkSchema},
				},
			}}},
		},
		"400": ref("responses", "Problem"),
		"401": ref("responses", "Unauthorized"),
		"404": ref("responses", "Problem"),
		"409": ref("responses", "Problem"),
		"429": ref("responses", "TooManyRequests"),
	}
}

func ragSearchOperation() map[string]any {
	return map[string]any{
		"operationId": "searchHandle",
		"summary":     "Search a handle",
		"description": "The chunks of the handle closest to the query, best first. Only the principal whose call made the handle may search it; anyone else gets 404. With the offline embedder the search is lexical (shared words and word pieces), not semantic.",
		"tags":        []any{"runtime"},
		"parameters": []any{
			handleParam(),
			queryParam("q", "The query, at most 2,048 bytes; optional with contains.", map[string]any{"type": "string", "maxLength": 2048}),
			queryParam("k", "How many chunks: 5 by default, clamped to 50 and to the handle's size.", map[string]any{"type": "integer", "minimum": 0}),
			queryParam("contains", "Keep only chunks holding this exact, case-sensitive text.", map[string]any{"type": "string", "maxLength": 256}),
		},
		"responses": ragResponses("The hits, best first.", "hits"),
	}
}

func ragChunksOperation() map[string]any {
	return map[string]any{
		"operationId": "getHandleChunks",
		"summary":     "Expand a chunk of a handle",
		"description": "The chunk and up to neighbours chunks on each side, in order. Only the principal whose call made the handle may read it.",
		"tags":        []any{"runtime"},
		"parameters": []any{
			handleParam(),
			map[string]any{"name": "id", "in": "path", "required": true, "description": "The chunk id from a search hit.", "schema": map[string]any{"type": "integer", "minimum": 0}},
			queryParam("neighbours", "Chunks on each side to include, 0 to 5.", map[string]any{"type": "integer", "minimum": 0, "maximum": 5}),
		},
		"responses": ragResponses("The chunks, in order.", "chunks"),
	}
}

// ragEnvelopeSchema is what an invocation answers instead of its output when
// the output became a RAG handle (rag.Envelope). Its required members and
// the handle's pattern keep it from matching an ordinary output by chance.
func ragEnvelopeSchema() map[string]any {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	shape := map[string]any{"type": "object", "description": "The shape of the stored output: type, bytes, count, keys, first items, preview, members.",
		"required": []any{"type", "bytes"}, "properties": map[string]any{"type": str, "bytes": integer}}
	return map[string]any{
		"type":     "object",
		"required": []any{"handle", "expires_at", "bytes", "chunks", "embedder", "summary", "query"},
		"properties": map[string]any{
			"handle":     map[string]any{"type": "string", "pattern": "^rag_[a-z2-7]{26}$"},
			"expires_at": map[string]any{"type": "string", "format": "date-time"},
			"bytes":      integer, "chunks": integer, "embedder": str,
			"summary": shape,
			"query": map[string]any{"type": "object", "properties": map[string]any{
				"search": str, "expand": str, "note": str,
			}},
		},
	}
}
