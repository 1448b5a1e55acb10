package agents

import (
	"context"

	"github.com/secure-agent/saa/host"
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
	// Invoke runs the action and returns its output JSON.
	Invoke(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error)
}

var _ Invoker = (*host.Runtime)(nil)
