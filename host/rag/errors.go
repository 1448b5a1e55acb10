package rag

import "errors"

// ErrNotFound means no handle of that name belongs to the caller: it never
// existed, it expired, or another principal owns it. The three are
// deliberately indistinguishable.
var ErrNotFound = errors.New("no such handle")

// ErrInvalidData means an output cannot be chunked: empty, not UTF-8,
// binary, too deep, too large or too many chunks. The error says which.
var ErrInvalidData = errors.New("cannot chunk the data")

// ErrInvalidQuery means a search or expansion asked for something that cannot
// be answered: an empty or over-long query, a bad chunk id.
var ErrInvalidQuery = errors.New("invalid query")

// ErrQuota means the owner's handles would exceed their quota of handles or
// bytes; it frees up as handles expire or are deleted.
var ErrQuota = errors.New("rag quota exceeded")

// ErrEmbedderMismatch means a collection was embedded by another embedder
// (name or dimension) than the one configured now: its vectors and the
// query's would not be comparable, so it is not searched.
var ErrEmbedderMismatch = errors.New("collection was embedded by another embedder")

// ErrEmbedding means the embedder failed (for a remote embedder: the request
// was refused by egress, or the endpoint answered an error).
var ErrEmbedding = errors.New("embedding failed")

// ErrNoChunk means the handle has no chunk with that id.
var ErrNoChunk = errors.New("no such chunk")
