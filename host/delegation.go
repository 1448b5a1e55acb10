package host

import (
	"errors"
	"fmt"
	"slices"
)

// DefaultMaxDelegationDepth bounds how many times authority may be handed
// down one chain: a principal that came through this many delegations
// cannot delegate again.
const DefaultMaxDelegationDepth = 5

// maxActorLen bounds an actor's name.
const maxActorLen = 200

// ErrDelegation is matched by every refused delegation.
var ErrDelegation = errors.New("delegation refused")

// ErrDelegationDepth means the chain would grow past its maximum depth.
var ErrDelegationDepth = fmt.Errorf("%w: chain too deep", ErrDelegation)

// ErrNoCommonScope means none of the scopes asked for is held by the
// delegating principal (and allowed to the delegate): a delegate never gets
// an empty authority, nor one its parent lacks.
var ErrNoCommonScope = fmt.Errorf("%w: no scope asked for is held by the delegating principal", ErrDelegation)

// Chain returns who the authority passed through, first to last, the last
// being ClientID's actor: p.Actors, or just ClientID when p acts without
// delegation.
func (p Principal) Chain() []string {
	if len(p.Actors) == 0 {
		return []string{p.ClientID}
	}
	return slices.Clone(p.Actors)
}

// Depth is how many delegations p came through: 0 when it acts directly.
func (p Principal) Depth() int {
	if len(p.Actors) == 0 {
		return 0
	}
	return len(p.Actors) - 1
}

// Delegated reports whether p acts on authority delegated to it.
func (p Principal) Delegated() bool { return len(p.Actors) > 0 }

// Narrow returns the principal an in-process sub-agent called actor acts
// as: the same client and subject, the scopes of p that are among scopes,
// and actor appended to the chain. It is the rule of Delegate with the
// default depth; the token exchange of host/auth applies the same rule.
func (p Principal) Narrow(actor string, scopes []string) (Principal, error) {
	return p.Delegate(p.ClientID, actor, scopes, DefaultMaxDelegationDepth)
}

// Delegate is the one rule by which authority is handed down, in-process
// (Narrow) and by RFC 8693 token exchange: the delegate acts as client,
// named actor in the chain, for p's subject, with the scopes of p that are
// among scopes (in p's order), never one p lacks. It fails with
// ErrNoCommonScope when that leaves nothing, and with ErrDelegationDepth
// when p already came through maxDepth delegations.
func (p Principal) Delegate(client, actor string, scopes []string, maxDepth int) (Principal, error) {
	if err := checkActor(actor); err != nil {
		return Principal{}, err
	}
	if client == "" {
		return Principal{}, fmt.Errorf("%w: no client", ErrDelegation)
	}
	if p.Depth() >= maxDepth {
		return Principal{}, fmt.Errorf("%w: %d delegations already, at most %d", ErrDelegationDepth, p.Depth(), maxDepth)
	}
	child := Principal{ClientID: client, Subject: p.Subject, Actors: append(p.Chain(), actor)}
	for _, s := range p.Scopes {
		if slices.Contains(scopes, s) && !slices.Contains(child.Scopes, s) {
			child.Scopes = append(child.Scopes, s)
		}
	}
	if len(child.Scopes) == 0 {
		return Principal{}, ErrNoCommonScope
	}
	return child, nil
}

// checkActor accepts a non-empty printable name without spaces.
func checkActor(actor string) error {
	if actor == "" || len(actor) > maxActorLen {
		return fmt.Errorf("%w: an actor needs 1 to %d characters", ErrDelegation, maxActorLen)
	}
	for i := 0; i < len(actor); i++ {
		if actor[i] <= ' ' || actor[i] == 0x7f {
			return fmt.Errorf("%w: actor %q has a space or control character", ErrDelegation, actor)
		}
	}
	return nil
}
