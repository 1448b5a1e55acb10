// Package rag keeps action outputs too large for an agent's context as
// searchable handles: it chunks an output along its structure (JSON arrays
// per element, objects per key, text per paragraph and sentence with
// overlap), embeds the chunks, stores them in one chromem-go collection per
// output, and answers searches and chunk expansions for the principal that
// owns the handle.
//
// chromem-go is used here and nowhere else. Its built-in HTTP embedding
// functions are never used (they would reach the network around the egress
// guard), nor NewEmbeddingFuncDefault (it silently calls OpenAI): vectors are
// computed by an Embedder of this package and handed to chromem ready-made.
//
// What IS a security boundary here:
//   - A handle is found only by its owner (client + subject). Anyone else,
//     whatever scopes they hold, gets ErrNotFound, exactly as for a handle
//     that never existed or has expired.
//   - Collections are encrypted at rest (AES-256-GCM with a key derived from
//     the master key), vectors included: feature-hashed vectors reveal which
//     words a chunk holds.
//   - Handles are 128-bit random names checked against a strict pattern
//     before they touch the file system.
//   - Input is hostile: depth, size, chunk count, UTF-8 and binary content
//     are checked before any work, and every refusal is a clear error.
//
// What is NOT a boundary: the offline embedder is lexical, not semantic; a
// search ranks chunks by shared words and character trigrams.
//
// This package must never log chunk contents or queries, and never send a
// request except through the Doer it is given (the egress guard).
package rag
