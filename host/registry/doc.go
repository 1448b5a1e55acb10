// Package registry is SAA's review gate for third-party plugins. Publishers
// submit bundles (host/bundle); each version is stored pending and runs only
// after an admin approves it. The review shows everything a version asks
// for (egress hosts, secrets and where each is sent, scopes per action,
// effects, limits, size, hash, signature status, publisher) and, for a new
// version, its Diff against the active one.
//
// Lifecycle of a plugin:
//
//	Submit   → version pending; the active version (if any) keeps serving
//	Approve  → version approved and active; installed if the plugin is enabled
//	Reject   → version rejected; it can never run
//	Rollback → a previously approved version becomes active again
//	Disable  → removed from the runtime at once (calls in flight finish)
//	Enable   → the active version serves again
//	Restore  → at start, every enabled plugin's active version is installed
//
// Policy, chosen to fail safe: every version needs an admin's approval, even
// one asking for nothing new (new code is new code); Version.NeedsApproval
// and the Diff tell the admin whether approving grants more. A plugin name
// belongs to the publisher of its first version. A published plugin never
// shadows a local one (the trusted plugins dir). A publisher can be made to
// require a valid signature by a key an admin trusts; the requirement
// applies to submission, approval and rollback. Publisher names in
// manifests are claims until such a requirement makes them identities.
//
// Every change appends an audit entry (kind admin, subject the admin or
// submitter, action such as "plugin.approve").
//
// The package never runs plugin code itself and never reads a secret
// value: it stores what publishers send, and tells the runtime
// (Config.Runtime) which approved version to serve. Secrets (secrets.go)
// lets an admin set the values plugins declare; values go in, never out.
package registry
