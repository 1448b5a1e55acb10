package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// maxPurgePerWrite bounds how many expired codes one CreateCode drops, so
// no single request pays for a long backlog.
const maxPurgePerWrite = 100

// CreateCode implements authstore.Codes. It drops a few expired codes on
// the way, oldest first, so that unredeemed codes do not pile up.
func (s *AuthStore) CreateCode(ctx context.Context, c authstore.Code) error {
	if err := checkKey("code", c.Signature); err != nil {
		return fmt.Errorf("create code: %w", err)
	}
	exp, err := nsOf("expires_at", c.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create code: %w", err)
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM auth_codes WHERE signature IN (
			SELECT signature FROM auth_codes WHERE expires_ns < $1 ORDER BY expires_ns LIMIT $2)`,
			time.Now().UnixNano(), maxPurgePerWrite); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO auth_codes (signature, family, request, expires_ns, used)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (signature) DO NOTHING`,
			c.Signature, c.Family, orEmpty(c.Request), exp, c.Used)
		if err == nil && tag.RowsAffected() == 0 {
			err = authstore.ErrExists
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create code: %w", err)
	}
	return nil
}

// GetCode implements authstore.Codes.
func (s *AuthStore) GetCode(ctx context.Context, signature string) (authstore.Code, error) {
	c := authstore.Code{Signature: signature}
	var exp *int64
	err := s.db.pool.QueryRow(ctx, `SELECT family, request, expires_ns, used FROM auth_codes WHERE signature = $1`, signature).
		Scan(&c.Family, &c.Request, &exp, &c.Used)
	if err != nil {
		return authstore.Code{}, fmt.Errorf("get code: %w", notFound(err))
	}
	c.ExpiresAt = timeOf(exp)
	return c, nil
}

// UseCode implements authstore.Codes as one conditional UPDATE (see
// flows.go): exactly one concurrent redemption finds the code unused.
func (s *AuthStore) UseCode(ctx context.Context, signature string) error {
	err := compareAndSwap(ctx, s.db.pool, `WITH won AS (
			UPDATE auth_codes SET used = true WHERE signature = $1 AND NOT used RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM won), EXISTS (SELECT 1 FROM auth_codes WHERE signature = $1)`, signature)
	if err != nil {
		return fmt.Errorf("use code: %w", err)
	}
	return nil
}

// compareAndSwap runs query, which answers whether its conditional update
// won and whether the row exists: nil if it won, else ErrUsed or
// ErrNotFound. Both come from one statement, so the answer is consistent.
func compareAndSwap(ctx context.Context, q querier, query, key string) error {
	var won, exists bool
	if err := q.QueryRow(ctx, query, key).Scan(&won, &exists); err != nil {
		return err
	}
	switch {
	case won:
		return nil
	case exists:
		return authstore.ErrUsed
	default:
		return authstore.ErrNotFound
	}
}

// orEmpty is b, or an empty slice for nil: pgx sends nil as NULL, and the
// columns hold empty values instead.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
