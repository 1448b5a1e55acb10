package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// userRecord is the stored form of an admin user.
type userRecord struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
}

func toUserRecord(u authstore.User) userRecord {
	return userRecord{Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt}
}

func (r userRecord) user() authstore.User {
	return authstore.User{Name: r.Name, Role: authstore.Role(r.Role), PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt}
}

// CreateUser implements authstore.Users.
func (s *AuthStore) CreateUser(ctx context.Context, u authstore.User) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("user", u.Name); err != nil {
		return err
	}
	if err := s.createJSON(bucketAuthUsers, u.Name, toUserRecord(u)); err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	return nil
}

// GetUser implements authstore.Users.
func (s *AuthStore) GetUser(ctx context.Context, name string) (authstore.User, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.User{}, err
	}
	if name == "" {
		return authstore.User{}, fmt.Errorf("get user: %w", authstore.ErrNotFound)
	}
	var r userRecord
	if err := s.getJSON(bucketAuthUsers, name, &r); err != nil {
		return authstore.User{}, fmt.Errorf("get user %s: %w", name, err)
	}
	return r.user(), nil
}

// ListUsers implements authstore.Users.
func (s *AuthStore) ListUsers(ctx context.Context) ([]authstore.User, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []authstore.User{}
	err := s.forEachJSON(bucketAuthUsers, func(data []byte) error {
		var r userRecord
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		out = append(out, r.user())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UpdateUser implements authstore.Users.
func (s *AuthStore) UpdateUser(ctx context.Context, name string, fn func(*authstore.User) error) (authstore.User, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.User{}, err
	}
	if name == "" {
		return authstore.User{}, fmt.Errorf("update user: %w", authstore.ErrNotFound)
	}
	var r userRecord
	var out authstore.User
	err := s.updateJSON(bucketAuthUsers, name, &r, func(*bolt.Tx) error {
		u := r.user()
		if err := fn(&u); err != nil {
			return err
		}
		if u.Name != name {
			return fmt.Errorf("user name changed from %s to %s", name, u.Name)
		}
		r, out = toUserRecord(u), u
		return nil
	})
	if err != nil {
		return authstore.User{}, fmt.Errorf("update user %s: %w", name, err)
	}
	return out, nil
}

// DeleteUser implements authstore.Users.
func (s *AuthStore) DeleteUser(ctx context.Context, name string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("delete user: %w", authstore.ErrNotFound)
	}
	if err := s.deleteKey(bucketAuthUsers, name); err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	return nil
}
