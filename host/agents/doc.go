// Package agents runs agent definitions: a model (host/llm) in a loop that
// offers the agent's plugin actions as tools, executes the calls the model
// asks for through an Invoker (the in-process *host.Runtime, or the REST
// client in host/client), hands off to other agents or calls them as tools,
// pauses the calls its approval policy selects until a human decides, and
// stops at its budgets. It also runs workflows (kind: workflow): fixed
// steps — an action, an agent, steps side by side, a condition — whose data
// flows by JSON pointer, under the same journal, approvals and budgets.
//
// Model output and tool output are untrusted input. What IS a boundary here:
//   - Only the agent's tools that the run's principal may call are offered,
//     and the Invoker checks the scopes again at call time; a tool the model
//     invents, or one the principal lost, is answered with a tool error.
//   - Arguments are validated against the action's input schema before any
//     approval is asked and before the call; failures go back to the model.
//   - A sub-agent (handoff or agent-as-tool) runs with the parent's scopes
//     narrowed to what its own tools need: never more than the parent's.
//   - An approval is bound to the exact call — hash of plugin, action,
//     canonical JSON arguments and principal — is used once, expires, and is
//     re-checked just before the call runs.
//   - Budgets (turns, tool calls, tokens, wall time) end a runaway run.
//   - A workflow's action step runs as the run's principal narrowed to the
//     action's scopes, and pauses for a human as its approval policy says;
//     an agent step runs narrowed as a sub-agent does.
//   - A tool output too large for the context becomes a RAG handle of the
//     run's principal; the rag tools answer only for handles this run's
//     outputs became, and the Invoker again only for the principal's own.
//
// What is NOT a boundary: the model may still be talked into calling an
// allowed tool with allowed arguments for a bad reason; approvals exist for
// the calls where that matters.
//
// This package must never log prompts, completions, tool arguments or
// outputs, and never call a plugin except through its Invoker.
package agents
