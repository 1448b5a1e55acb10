package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// Grant is a user's standing consent to an agent (client), as the user's
// account page shows it.
type Grant struct {
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Grants manages users' consents. Revoking one voids at once every token
// the agent holds for the user: the grant moves to a new generation, which
// tokens carry (claim "ggen") and the verifier compares, and every token
// family of the grant is revoked, its refresh tokens included.
type Grants struct {
	flows   authstore.Flows
	clients authstore.Clients
	now     func() time.Time
}

// List returns user's standing grants.
func (g *Grants) List(ctx context.Context, user string) ([]Grant, error) {
	all, err := g.flows.ListGrants(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	out := make([]Grant, 0, len(all))
	for _, gr := range all {
		name := gr.ClientID
		if c, err := g.clients.GetClient(ctx, gr.ClientID); err == nil {
			name = c.Name
		} else if !errors.Is(err, authstore.ErrNotFound) {
			return nil, fmt.Errorf("list grants: %w", err)
		}
		out = append(out, Grant{
			ClientID: gr.ClientID, ClientName: name, Scopes: slices.Clone(gr.Scopes),
			CreatedAt: gr.CreatedAt, UpdatedAt: gr.UpdatedAt,
		})
	}
	return out, nil
}

// Revoke withdraws user's consent to clientID; ErrNotFound if there is none.
func (g *Grants) Revoke(ctx context.Context, user, clientID string) error {
	gr, err := g.flows.GetGrant(ctx, user, clientID)
	if err == nil && gr.Revoked {
		err = authstore.ErrNotFound
	}
	if err == nil {
		_, err = g.flows.RevokeGrant(ctx, user, clientID, g.now().UTC())
	}
	if err != nil {
		return fmt.Errorf("revoke grant: %w", err)
	}
	return nil
}

// covers reports whether user's standing grant to clientID includes every
// scope in scopes, so the consent page may be skipped.
func (g *Grants) covers(ctx context.Context, user, clientID string, scopes []string) (bool, error) {
	gr, err := g.flows.GetGrant(ctx, user, clientID)
	if errors.Is(err, authstore.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !gr.Revoked && !slices.ContainsFunc(scopes, func(s string) bool { return !slices.Contains(gr.Scopes, s) }), nil
}

// record stores the user's decision on the requested scopes: granted ones
// are added to the grant, unticked ones taken out, others kept. Taking a
// scope out revokes the grant first, so that tokens holding it die.
func (g *Grants) record(ctx context.Context, user, clientID string, requested, granted []string) (authstore.Grant, error) {
	now := g.now().UTC()
	var scopes []string
	old, err := g.flows.GetGrant(ctx, user, clientID)
	switch {
	case errors.Is(err, authstore.ErrNotFound):
	case err != nil:
		return authstore.Grant{}, err
	case !old.Revoked:
		for _, s := range old.Scopes {
			if !slices.Contains(requested, s) {
				scopes = append(scopes, s)
			}
		}
		if slices.ContainsFunc(old.Scopes, func(s string) bool { return slices.Contains(requested, s) && !slices.Contains(granted, s) }) {
			if _, err := g.flows.RevokeGrant(ctx, user, clientID, now); err != nil {
				return authstore.Grant{}, err
			}
		}
	}
	for _, s := range granted {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return g.flows.PutGrant(ctx, user, clientID, scopes, now)
}
