package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// DenyToken implements authstore.Revocations. Denying a jti again keeps the
// later of the two expiries.
func (s *AuthStore) DenyToken(ctx context.Context, jti string, until time.Time) error {
	if err := checkKey("jti", jti); err != nil {
		return fmt.Errorf("deny token: %w", err)
	}
	ns, err := nsOf("until", until)
	if err != nil || ns == nil {
		return fmt.Errorf("deny token: until %v is zero or out of range", until)
	}
	err = s.withEpoch(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO auth_denied_tokens (jti, until_ns) VALUES ($1, $2)
			ON CONFLICT (jti) DO UPDATE SET until_ns = GREATEST(auth_denied_tokens.until_ns, EXCLUDED.until_ns)`, jti, *ns)
		return err
	})
	if err != nil {
		return fmt.Errorf("deny token: %w", err)
	}
	return nil
}

// TokenStatus implements authstore.Revocations: one statement, so the
// epoch, the deny-list and the client are read in one snapshot. An entry
// past its until that was not purged yet still counts.
func (s *AuthStore) TokenStatus(ctx context.Context, jti, clientID string) (authstore.TokenStatus, uint64, error) {
	var st authstore.TokenStatus
	var epoch int64
	var status *string
	var gen *int64
	err := s.db.pool.QueryRow(ctx, `SELECT e.epoch,
			EXISTS (SELECT 1 FROM auth_denied_tokens WHERE jti = $1),
			c.status, c.generation
		FROM auth_revocation_epoch e LEFT JOIN auth_clients c ON c.id = $2`, jti, clientID).
		Scan(&epoch, &st.Denied, &status, &gen)
	if err != nil {
		return authstore.TokenStatus{}, 0, fmt.Errorf("check deny-list: %w", err)
	}
	if status != nil && gen != nil {
		st.ClientFound, st.ClientStatus, st.ClientGeneration = true, authstore.ClientStatus(*status), uint64(*gen)
	}
	s.db.epoch.observe(uint64(epoch))
	return st, uint64(epoch), nil
}

// RevocationEpoch implements authstore.Revocations. It answers from the
// listener's copy while that is known current, else from the database.
func (s *AuthStore) RevocationEpoch(ctx context.Context) (uint64, error) {
	if e, ok := s.db.epoch.current(); ok {
		return e, nil
	}
	e, err := readEpoch(ctx, s.db.pool)
	if err != nil {
		return 0, fmt.Errorf("read revocation epoch: %w", err)
	}
	s.db.epoch.observe(e)
	return e, nil
}

// PurgeRevocations implements authstore.Revocations.
func (s *AuthStore) PurgeRevocations(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM auth_denied_tokens WHERE until_ns < $1`, now.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("purge revocations: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// querier is what readEpoch needs of a pool or a connection.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func readEpoch(ctx context.Context, q querier) (uint64, error) {
	var e int64
	if err := q.QueryRow(ctx, `SELECT epoch FROM auth_revocation_epoch`).Scan(&e); err != nil {
		return 0, err
	}
	return uint64(e), nil
}
