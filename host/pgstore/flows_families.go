package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// A family's row is the lock that orders its writers: adding an access
// token upserts it, adding a refresh token reads it FOR SHARE, revoking it
// updates it. Whichever comes second sees the first's effect, so no token
// joins a family after its revocation has read the family's tokens.

// AddAccessToken implements authstore.Families. Tokens that expired are
// dropped from the family on the way: a long-lived family keeps only what a
// revocation would still have to deny.
func (s *AuthStore) AddAccessToken(ctx context.Context, family, user, clientID, jti string, exp time.Time) error {
	if err := checkKey("family", family); err != nil {
		return fmt.Errorf("add access token: %w", err)
	}
	if err := checkKey("jti", jti); err != nil {
		return fmt.Errorf("add access token: %w", err)
	}
	expNS, err := nsOf("exp", exp)
	if err != nil || expNS == nil {
		// Without an expiry the token could not be denied "until" anything.
		return fmt.Errorf("add access token: exp %v is zero or out of range", exp)
	}
	// A token minted for a revoked family is denied, and that must commit
	// although the call fails.
	var revoked bool
	var epoch uint64
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		// The no-op update takes the row lock and returns the row as it is
		// after any concurrent revocation committed.
		err := tx.QueryRow(ctx, `INSERT INTO auth_families (family, user_name, client_id) VALUES ($1, $2, $3)
			ON CONFLICT (family) DO UPDATE SET revoked = auth_families.revoked RETURNING revoked`,
			family, user, clientID).Scan(&revoked)
		if err != nil {
			return err
		}
		if revoked {
			if err := denyInTx(ctx, tx, jti, *expNS); err != nil {
				return err
			}
			epoch, err = bumpEpoch(ctx, tx)
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM auth_family_tokens WHERE family = $1 AND exp_ns < $2`,
			family, time.Now().UnixNano()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO auth_family_tokens (family, jti, exp_ns) VALUES ($1, $2, $3)
			ON CONFLICT (family, jti) DO UPDATE SET exp_ns = GREATEST(auth_family_tokens.exp_ns, EXCLUDED.exp_ns)`,
			family, jti, *expNS)
		return err
	})
	if err == nil && revoked {
		s.db.epoch.observe(epoch)
		err = authstore.ErrFamilyRevoked
	}
	if err != nil {
		return fmt.Errorf("add access token: %w", err)
	}
	return nil
}

// denyInTx puts jti on the deny-list until untilNS; the caller bumps the epoch.
func denyInTx(ctx context.Context, tx pgx.Tx, jti string, untilNS int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO auth_denied_tokens (jti, until_ns) VALUES ($1, $2)
		ON CONFLICT (jti) DO UPDATE SET until_ns = GREATEST(auth_denied_tokens.until_ns, EXCLUDED.until_ns)`, jti, untilNS)
	return err
}

// CreateRefreshToken implements authstore.Families.
func (s *AuthStore) CreateRefreshToken(ctx context.Context, rt authstore.RefreshToken) error {
	if err := checkKey("refresh token", rt.Signature); err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	exp, err := nsOf("expires_at", rt.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		var revoked bool
		err := tx.QueryRow(ctx, `SELECT revoked FROM auth_families WHERE family = $1 FOR SHARE`, rt.Family).Scan(&revoked)
		switch {
		case err != nil:
			return notFound(err)
		case revoked:
			return authstore.ErrFamilyRevoked
		}
		tag, err := tx.Exec(ctx, `INSERT INTO auth_refresh_tokens (signature, family, request, expires_ns, active)
			VALUES ($1, $2, $3, $4, true) ON CONFLICT (signature) DO NOTHING`,
			rt.Signature, rt.Family, orEmpty(rt.Request), exp)
		if err == nil && tag.RowsAffected() == 0 {
			err = authstore.ErrExists
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	return nil
}

// GetRefreshToken implements authstore.Families.
func (s *AuthStore) GetRefreshToken(ctx context.Context, signature string) (authstore.RefreshToken, error) {
	rt := authstore.RefreshToken{Signature: signature}
	var exp *int64
	err := s.db.pool.QueryRow(ctx, `SELECT family, request, expires_ns, active FROM auth_refresh_tokens WHERE signature = $1`, signature).
		Scan(&rt.Family, &rt.Request, &exp, &rt.Active)
	if err != nil {
		return authstore.RefreshToken{}, fmt.Errorf("get refresh token: %w", notFound(err))
	}
	rt.ExpiresAt = timeOf(exp)
	return rt, nil
}

// RotateRefreshToken implements authstore.Families as one conditional
// UPDATE (see flows.go): exactly one concurrent rotation finds it active.
func (s *AuthStore) RotateRefreshToken(ctx context.Context, signature string) error {
	err := compareAndSwap(ctx, s.db.pool, `WITH won AS (
			UPDATE auth_refresh_tokens SET active = false WHERE signature = $1 AND active RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM won), EXISTS (SELECT 1 FROM auth_refresh_tokens WHERE signature = $1)`, signature)
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return nil
}

// RevokeFamily implements authstore.Families.
func (s *AuthStore) RevokeFamily(ctx context.Context, family string) error {
	err := s.withEpoch(ctx, func(tx pgx.Tx) error {
		families, err := lockFamilies(ctx, tx, `UPDATE auth_families SET revoked = true
			WHERE family = $1 RETURNING family`, family)
		if err != nil {
			return err
		}
		if len(families) == 0 {
			return authstore.ErrNotFound
		}
		return revokeFamiliesInTx(ctx, tx, families)
	})
	if err != nil {
		return fmt.Errorf("revoke family: %w", err)
	}
	return nil
}

// lockFamilies runs query, an UPDATE of auth_families returning the
// families it marked revoked (and so locked until the transaction ends).
func lockFamilies(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	families, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("lock families: %w", err)
	}
	return families, nil
}

// revokeFamiliesInTx denies the live access tokens of families, which the
// caller marked revoked (and so locked), forgets them, and deactivates
// their refresh tokens. The caller bumps the epoch.
func revokeFamiliesInTx(ctx context.Context, tx pgx.Tx, families []string) error {
	if len(families) == 0 {
		return nil
	}
	// One jti may sit in two families; ON CONFLICT may touch a row once
	// per statement, so each jti comes once, with its latest expiry.
	if _, err := tx.Exec(ctx, `INSERT INTO auth_denied_tokens (jti, until_ns)
		SELECT jti, max(exp_ns) FROM auth_family_tokens WHERE family = ANY($1) GROUP BY jti
		ON CONFLICT (jti) DO UPDATE SET until_ns = GREATEST(auth_denied_tokens.until_ns, EXCLUDED.until_ns)`, families); err != nil {
		return fmt.Errorf("deny family tokens: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM auth_family_tokens WHERE family = ANY($1)`, families); err != nil {
		return fmt.Errorf("forget family tokens: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE auth_refresh_tokens SET active = false WHERE family = ANY($1) AND active`, families); err != nil {
		return fmt.Errorf("deactivate refresh tokens: %w", err)
	}
	return nil
}
