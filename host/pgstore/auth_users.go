package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
)

const userColumns = `name, role, password_hash, created_ns`

func scanUser(row pgx.Row) (authstore.User, error) {
	var u authstore.User
	var role string
	var created *int64
	if err := row.Scan(&u.Name, &role, &u.PasswordHash, &created); err != nil {
		return authstore.User{}, notFound(err)
	}
	u.Role, u.CreatedAt = authstore.Role(role), timeOf(created)
	return u, nil
}

// CreateUser implements authstore.Users.
func (s *AuthStore) CreateUser(ctx context.Context, u authstore.User) error {
	if err := checkKey("user", u.Name); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	created, err := nsOf("created_at", u.CreatedAt)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO auth_users (`+userColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO NOTHING`, u.Name, string(u.Role), u.PasswordHash, created)
	if err == nil && tag.RowsAffected() == 0 {
		err = authstore.ErrExists
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	return nil
}

// GetUser implements authstore.Users.
func (s *AuthStore) GetUser(ctx context.Context, name string) (authstore.User, error) {
	if name == "" {
		return authstore.User{}, fmt.Errorf("get user: %w", authstore.ErrNotFound)
	}
	u, err := scanUser(s.db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM auth_users WHERE name = $1`, name))
	if err != nil {
		return authstore.User{}, fmt.Errorf("get user %s: %w", name, err)
	}
	return u, nil
}

// ListUsers implements authstore.Users.
func (s *AuthStore) ListUsers(ctx context.Context) ([]authstore.User, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+userColumns+` FROM auth_users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (authstore.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	if out == nil {
		out = []authstore.User{}
	}
	return out, nil
}

// UpdateUser implements authstore.Users, locking the row like UpdateClient.
func (s *AuthStore) UpdateUser(ctx context.Context, name string, fn func(*authstore.User) error) (authstore.User, error) {
	if name == "" {
		return authstore.User{}, fmt.Errorf("update user: %w", authstore.ErrNotFound)
	}
	var out authstore.User
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM auth_users WHERE name = $1 FOR UPDATE`, name))
		if err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		if u.Name != name {
			return fmt.Errorf("user name changed from %s to %s", name, u.Name)
		}
		created, err := nsOf("created_at", u.CreatedAt)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE auth_users SET role = $2, password_hash = $3, created_ns = $4 WHERE name = $1`,
			name, string(u.Role), u.PasswordHash, created); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return authstore.User{}, fmt.Errorf("update user %s: %w", name, err)
	}
	return out, nil
}

// DeleteUser implements authstore.Users.
func (s *AuthStore) DeleteUser(ctx context.Context, name string) error {
	if name == "" {
		return fmt.Errorf("delete user: %w", authstore.ErrNotFound)
	}
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM auth_users WHERE name = $1`, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = authstore.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	return nil
}
