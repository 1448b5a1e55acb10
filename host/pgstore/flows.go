package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// The authorization code flow's records (authstore.Flows) on PostgreSQL.
// Every compare-and-swap (redeeming a code, rotating a refresh token) is
// one conditional UPDATE: PostgreSQL re-checks the condition on the newest
// row version after waiting for a concurrent writer, so of concurrent
// calls on any number of replicas exactly one matches. Every write that
// voids tokens moves the revocation epoch in its own transaction.

var _ authstore.Flows = (*AuthStore)(nil)

const grantColumns = `user_name, client_id, scopes, generation, revoked, created_ns, updated_ns`

func scanGrant(row pgx.Row) (authstore.Grant, error) {
	var g authstore.Grant
	var gen int64
	var created, updated *int64
	if err := row.Scan(&g.User, &g.ClientID, &g.Scopes, &gen, &g.Revoked, &created, &updated); err != nil {
		return authstore.Grant{}, notFound(err)
	}
	g.Generation, g.CreatedAt, g.UpdatedAt = uint64(gen), timeOf(created), timeOf(updated)
	return g, nil
}

// PutGrant implements authstore.Grants in one upsert: a new grant starts at
// generation 0, an earlier one keeps its generation and creation time.
func (s *AuthStore) PutGrant(ctx context.Context, user, clientID string, scopes []string, at time.Time) (authstore.Grant, error) {
	if user == "" || clientID == "" {
		return authstore.Grant{}, fmt.Errorf("put grant: empty user or client")
	}
	ns, err := nsOf("at", at)
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("put grant: %w", err)
	}
	if scopes == nil {
		scopes = []string{}
	}
	g, err := scanGrant(s.db.pool.QueryRow(ctx, `INSERT INTO auth_grants (user_name, client_id, scopes, created_ns, updated_ns)
		VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (user_name, client_id) DO UPDATE
			SET scopes = EXCLUDED.scopes, revoked = false, updated_ns = EXCLUDED.updated_ns
		RETURNING `+grantColumns, user, clientID, scopes, ns))
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("put grant: %w", err)
	}
	return g, nil
}

// GetGrant implements authstore.Grants.
func (s *AuthStore) GetGrant(ctx context.Context, user, clientID string) (authstore.Grant, error) {
	g, err := scanGrant(s.db.pool.QueryRow(ctx, `SELECT `+grantColumns+` FROM auth_grants
		WHERE user_name = $1 AND client_id = $2`, user, clientID))
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("get grant: %w", err)
	}
	return g, nil
}

// ListGrants implements authstore.Grants.
func (s *AuthStore) ListGrants(ctx context.Context, user string) ([]authstore.Grant, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+grantColumns+` FROM auth_grants
		WHERE user_name = $1 AND NOT revoked ORDER BY client_id`, user)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (authstore.Grant, error) { return scanGrant(r) })
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return out, nil
}

// RevokeGrant implements authstore.Grants: the grant, every family of it
// and the epoch change in one transaction.
func (s *AuthStore) RevokeGrant(ctx context.Context, user, clientID string, at time.Time) (authstore.Grant, error) {
	ns, err := nsOf("at", at)
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("revoke grant: %w", err)
	}
	var g authstore.Grant
	err = s.withEpoch(ctx, func(tx pgx.Tx) error {
		var err error
		g, err = scanGrant(tx.QueryRow(ctx, `UPDATE auth_grants
			SET revoked = true, generation = generation + 1, updated_ns = $3
			WHERE user_name = $1 AND client_id = $2 RETURNING `+grantColumns, user, clientID, ns))
		if err != nil {
			return err
		}
		families, err := lockFamilies(ctx, tx, `UPDATE auth_families SET revoked = true
			WHERE user_name = $1 AND client_id = $2 RETURNING family`, user, clientID)
		if err != nil {
			return err
		}
		return revokeFamiliesInTx(ctx, tx, families)
	})
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("revoke grant: %w", err)
	}
	return g, nil
}
