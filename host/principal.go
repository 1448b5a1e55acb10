package host

import "slices"

// Principal is who an invocation runs for. Over HTTP it comes from a verified
// access token (host/auth); a local Go agent that imports host builds one
// itself, because in-process code is already trusted with the runtime.
type Principal struct {
	// ClientID is the OAuth client (the agent) making the call.
	ClientID string
	// Subject is the user or service the agent acts for; often the client itself.
	Subject string
	// Scopes are the namespaced scopes granted, such as "echo:call".
	Scopes []string
	// Actors is the delegation chain the authority came down, first to
	// last: the client the subject first authorised, then each actor it was
	// delegated to (a client in an RFC 8693 token exchange, "agent:<name>"
	// for an in-process sub-agent); the last is the one acting now. Empty
	// when ClientID acts without delegation. See Narrow.
	Actors []string
}

// HasScope reports whether p holds scope exactly.
func (p Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// key identifies the principal for instance isolation: two principals with the
// same key may reuse one plugin instance, two different keys never do.
func (p Principal) key() string { return p.ClientID + "\x00" + p.Subject }
