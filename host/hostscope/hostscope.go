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

import "slices"

// The host's own scopes.
const (
	// Admin lets a bearer token use the admin API.
	Admin = "admin"
	// Introspect lets a client call the introspection endpoint.
	Introspect = "introspect"
	// PluginsPublish lets a bearer token submit plugin bundles.
	PluginsPublish = "plugins:publish"
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
