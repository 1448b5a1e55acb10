package audit

import (
	"fmt"
	"time"
)

// Kinds of entry.
const (
	// KindInvoke records one action invocation.
	KindInvoke = "invoke"
	// KindAdmin records one change made through the admin API or CLI.
	KindAdmin = "admin"
	// KindRAG records the creation of a handle for a large output.
	KindRAG = "rag"
)

// OutcomeOK is the outcome of an invocation or admin action that succeeded;
// any other outcome is the kind of error it ended with (such as
// "plugin-timeout" or "insufficient-scope").
const OutcomeOK = "ok"

// Entry is one audit record. Its JSON is both the admin API's format and the
// bbolt store's on-disk format, so fields are only ever added; a field added
// later gets a new tag in the canonical encoding (see hash.go) so that older
// entries still verify.
type Entry struct {
	// Seq numbers entries from 1 without gaps; the store assigns it.
	Seq uint64 `json:"seq"`
	// Time is when the invocation started or the admin change was made.
	Time time.Time `json:"time"`
	// Kind is KindInvoke or KindAdmin.
	Kind string `json:"kind"`

	// ClientID is the OAuth client that acted; empty for an admin who
	// signed in with a password.
	ClientID string `json:"client_id,omitempty"`
	// Subject is the user or service the client acted for, or the admin's
	// user name.
	Subject string `json:"subject,omitempty"`
	// Delegation lists the actors the subject's authority passed through
	// (host.Principal.Actors), first to last: the client the subject first
	// authorised, then each delegate (a client that exchanged a token, or
	// "agent:<name>" for an in-process sub-agent); the last is the one that
	// acted. Empty when the client acts without delegation. It is part of
	// the hash, so the chain of who acted cannot be edited either.
	Delegation []string `json:"delegation,omitempty"`

	// Plugin and Action name the action invoked. For an admin entry, Action
	// names the change ("client.create") and Plugin is empty unless the
	// change concerns a plugin.
	Plugin string `json:"plugin,omitempty"`
	Action string `json:"action,omitempty"`
	// InputSHA256 is the hex SHA-256 of the input: enough to match a known
	// input, never the input itself.
	InputSHA256 string `json:"input_sha256,omitempty"`
	// Egress lists the origins the invocation sent requests to.
	Egress []string `json:"egress,omitempty"`
	// Secrets lists the names of the secrets injected; never their values.
	Secrets []string `json:"secrets,omitempty"`
	// Accounts lists the connected accounts whose tokens were injected, as
	// "secret:provider" (the secret's name and the OAuth provider); never
	// a token. The account is always the Subject's.
	Accounts []string `json:"accounts,omitempty"`
	// Reads lists the "warehouse:table.column" the invocation's warehouse
	// queries read, from the SQL guard.
	Reads []string `json:"reads,omitempty"`

	// Outcome is OutcomeOK or the kind of error the call ended with.
	Outcome string `json:"outcome"`
	// Error is the caller-safe detail of a failure, scrubbed of secrets.
	Error string `json:"error,omitempty"`
	// DurationMS is how long the call took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// RunID links the entry to an async run or to the X-Run-Id of a sync call.
	RunID string `json:"run_id,omitempty"`
	// MCPSession is the MCP session (Mcp-Session-Id) a call came through;
	// empty for other surfaces.
	MCPSession string `json:"mcp_session,omitempty"`
	// Detail says, for an admin entry, what was changed ("scopes=echo:call").
	Detail string `json:"detail,omitempty"`

	// PrevHash is the Hash of the entry before; empty for the first entry.
	PrevHash string `json:"prev_hash"`
	// Hash is the hex SHA-256 over PrevHash and the canonical encoding of
	// every other field; the store assigns it.
	Hash string `json:"hash"`
}

// Validate checks what a store requires of an entry to append: a kind, an
// outcome, what was done, and a time in the encoding's range. It ignores the
// fields the store assigns.
func (e Entry) Validate() error {
	switch {
	case e.Time.IsZero() || !representable(e.Time):
		return fmt.Errorf("%w: time %v is zero or out of range", ErrInvalidEntry, e.Time)
	case e.Kind != KindInvoke && e.Kind != KindAdmin && e.Kind != KindRAG:
		return fmt.Errorf("%w: kind %q is not %s, %s or %s", ErrInvalidEntry, e.Kind, KindInvoke, KindAdmin, KindRAG)
	case e.Outcome == "":
		return fmt.Errorf("%w: empty outcome", ErrInvalidEntry)
	case e.Kind == KindInvoke && (e.Plugin == "" || e.Action == ""):
		return fmt.Errorf("%w: invoke entry without plugin and action", ErrInvalidEntry)
	case e.Kind != KindInvoke && e.Action == "":
		return fmt.Errorf("%w: admin entry without action", ErrInvalidEntry)
	case e.DurationMS < 0:
		return fmt.Errorf("%w: negative duration", ErrInvalidEntry)
	}
	return nil
}
