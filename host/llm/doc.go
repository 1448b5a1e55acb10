// Package llm calls large language models by API; SAA never hosts one. It
// defines a small ChatModel interface (messages, tool definitions, tool
// calls, usage, stop reasons, answers whole or streamed as deltas) and two
// providers: OpenAI-compatible, for any server speaking
// /v1/chat/completions (OpenAI, Azure, Ollama, vLLM, LiteLLM, Groq...), and
// Anthropic's Messages API (/v1/messages) through its official SDK.
//
// Every request leaves through the egress guard (host/egress), exactly like
// a plugin's: the provider's origin is the only destination allowed, and the
// API key is a secret of the store that the guard injects into the
// provider's key header (Authorization, or Anthropic's x-api-key) as the
// request leaves. Streamed answers are opened through the guard too
// (egress.Session.Open), redacted line by line. The key is read by the guard,
// never by this package's callers: it is in no agent, prompt, log, run
// record or error, and its echoes are scrubbed from what comes back.
//
// Transient failures (429 and 5xx answers, network errors) are retried with
// exponential back-off and full jitter, honouring Retry-After up to a cap.
//
// This package must never log a prompt, a completion or a key, and never
// send a request by any path other than the egress guard.
package llm
