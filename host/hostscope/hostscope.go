// Package hostscope is the one list of the scope namespaces the host keeps
// for itself. A plugin's scopes are namespaced as "<plugin>:<scope>", so a
// plugin named after a host namespace could declare a scope the host gives
// meaning to: a plugin "plugins" declaring "publish" would mint
// "plugins:publish", the scope that lets a client publish plugins. The
// manifest parser refuses such names (for local manifests and published
// bundles alike) and the auth code takes its own scopes from here.
//
// This package must never import anything but the standard library: the
// manifest parser, the auth server and the CLI all depend on it.
package hostscope

import (
	"slices"
	"strings"
)

// The host's own scopes.
const (
	// Admin lets a bearer token use the admin API.
	Admin = "admin"
	// Introspect lets a client call the introspection endpoint.
	Introspect = "introspect"
	// PluginsPublish lets a bearer token submit plugin bundles.
	PluginsPublish = "plugins:publish"
	// AgentsContinuous lets an agent run skip its approval pauses. It lies
	// in the agents namespace, beside agents:<name>, but names no agent.
	AgentsContinuous = "agents:continuous"
)

// reserved are the namespaces no plugin may take: those of the scopes above
// and those the host's own features use (agents:<name>, runs:approve,
// semantic, rag, mcp, account, keys, users) and "llm", the secret
// namespace of LLM provider keys, which a plugin of that name could otherwise
// bind to its own hosts.
var reserved = []string{
	"account", "admin", "agents", "approvals", "introspect", "keys", "llm",
	"mcp", "plugins", "rag", "runs", "semantic", "users",
}

// Reserved returns the reserved namespaces, sorted; the caller owns the slice.
func Reserved() []string { return slices.Clone(reserved) }

// IsReserved reports whether a plugin may not be called name.
func IsReserved(name string) bool {
	_, found := slices.BinarySearch(reserved, name)
	return found
}

// UserGrantable reports whether a user may grant scope to an agent on the
// consent page: a plugin's scope, or the right to run one agent
// (agents:<name>), which gives nothing of its own — the agent's tools still
// need the user's grants, and its writes wait for the user's approval. No
// other host scope ever comes from a user: not admin, not runs:approve, not
// agents:continuous, which would skip the user's approvals.
func UserGrantable(scope string) bool {
	ns, name, _ := strings.Cut(scope, ":")
	if ns == "agents" {
		return name != "" && scope != AgentsContinuous
	}
	return !IsReserved(ns)
}
