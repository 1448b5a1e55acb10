package agents

import (
	"context"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/rag"
)

// Invoker runs plugin actions for a principal. *host.Runtime implements it
// in-process; host/client implements it over REST, where the principal is
// the client's token and p only narrows what the agent is offered.
type Invoker interface {
	// Actions lists the actions p may call.
	Actions(ctx context.Context, p host.Principal) ([]host.ActionInfo, error)
	// Check validates a call without running it: the action exists, p holds
	// its scopes, input matches its schema. Errors wrap host.ErrNotFound,
	// host.ErrForbidden or host.ErrInvalidInput.
	Check(p host.Principal, plugin, action string, input []byte) error
	// Invoke runs the action and returns its output JSON. When ctx carries
	// host.WithHandleOver, an output over that size comes back as a
	// handle's envelope instead (see rag.HandleOf).
	Invoke(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error)
	// Search searches a handle of p's; any other handle, whoever owns it,
	// is an error wrapping host.ErrHandleNotFound.
	Search(ctx context.Context, p host.Principal, handle string, o rag.SearchOptions) ([]rag.Hit, error)
	// Chunks expands chunk id of p's handle with up to neighbours chunks on
	// each side; errors as Search.
	Chunks(ctx context.Context, p host.Principal, handle string, id, neighbours int) ([]rag.Chunk, error)
}

var _ Invoker = (*host.Runtime)(nil)
