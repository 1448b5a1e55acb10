package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// Buckets of the authorization code flow. Every write that can void a token
// (revoking a grant or a family) bumps the revocation epoch in the same
// transaction, like the deny-list does.
const (
	bucketAuthGrants   = "auth_grants"    // user\x00client -> grantRecord
	bucketAuthCodes    = "auth_codes"     // code digest -> codeRecord
	bucketAuthCodesExp = "auth_codes_exp" // exp|digest -> nothing, for purging in order
	bucketAuthFamilies = "auth_families"  // family -> familyRecord
	// bucketAuthGrantFamilies indexes families by grant:
	// user\x00client\x00family -> nothing.
	bucketAuthGrantFamilies = "auth_grant_families"
	bucketAuthRefresh       = "auth_refresh" // refresh token digest -> refreshRecord
)

var _ authstore.Flows = (*AuthStore)(nil)

type grantRecord struct {
	User       string    `json:"user"`
	ClientID   string    `json:"client_id"`
	Scopes     []string  `json:"scopes"`
	Generation uint64    `json:"generation,omitempty"`
	Revoked    bool      `json:"revoked,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

type familyToken struct {
	JTI string    `json:"jti"`
	Exp time.Time `json:"exp"`
}

type familyRecord struct {
	User     string        `json:"user"`
	ClientID string        `json:"client_id"`
	Revoked  bool          `json:"revoked,omitempty"`
	Tokens   []familyToken `json:"tokens,omitempty"`
	Refresh  []string      `json:"refresh,omitempty"`
}

// grantKey joins user and client with a byte neither may contain (names
// have no control characters, client ids are hex).
func grantKey(user, clientID string) []byte { return []byte(user + "\x00" + clientID) }

func (g grantRecord) grant() authstore.Grant {
	return authstore.Grant{
		User: g.User, ClientID: g.ClientID, Scopes: slices.Clone(g.Scopes), Generation: g.Generation,
		Revoked: g.Revoked, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt,
	}
}

// PutGrant implements authstore.Grants.
func (s *AuthStore) PutGrant(ctx context.Context, user, clientID string, scopes []string, at time.Time) (authstore.Grant, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.Grant{}, err
	}
	if user == "" || clientID == "" {
		return authstore.Grant{}, fmt.Errorf("put grant: empty user or client")
	}
	var rec grantRecord
	err := s.db.update(bucketAuthGrants, func(b *bolt.Bucket) error {
		key := grantKey(user, clientID)
		if data := b.Get(key); data != nil {
			if err := json.Unmarshal(data, &rec); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
		} else {
			rec = grantRecord{User: user, ClientID: clientID, CreatedAt: at}
		}
		rec.Scopes, rec.Revoked, rec.UpdatedAt = slices.Clone(scopes), false, at
		return putJSON(b, key, rec)
	})
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("put grant: %w", err)
	}
	return rec.grant(), nil
}

// GetGrant implements authstore.Grants.
func (s *AuthStore) GetGrant(ctx context.Context, user, clientID string) (authstore.Grant, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.Grant{}, err
	}
	var rec grantRecord
	if err := s.getJSON(bucketAuthGrants, string(grantKey(user, clientID)), &rec); err != nil {
		return authstore.Grant{}, fmt.Errorf("get grant: %w", err)
	}
	return rec.grant(), nil
}

// ListGrants implements authstore.Grants.
func (s *AuthStore) ListGrants(ctx context.Context, user string) ([]authstore.Grant, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []authstore.Grant
	prefix := []byte(user + "\x00")
	err := s.db.view(bucketAuthGrants, func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var rec grantRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			if !rec.Revoked {
				out = append(out, rec.grant())
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return out, nil
}

// RevokeGrant implements authstore.Grants.
func (s *AuthStore) RevokeGrant(ctx context.Context, user, clientID string, at time.Time) (authstore.Grant, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.Grant{}, err
	}
	var rec grantRecord
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketAuthGrants))
		if err != nil {
			return err
		}
		key := grantKey(user, clientID)
		data := b.Get(key)
		if data == nil {
			return authstore.ErrNotFound
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		rec.Revoked, rec.UpdatedAt = true, at
		rec.Generation++
		if err := putJSON(b, key, rec); err != nil {
			return err
		}
		if err := revokeGrantFamilies(tx, key); err != nil {
			return err
		}
		return bumpEpoch(tx)
	})
	if err != nil {
		return authstore.Grant{}, fmt.Errorf("revoke grant: %w", err)
	}
	return rec.grant(), nil
}

// revokeGrantFamilies revokes every family indexed under the grant key.
func revokeGrantFamilies(tx *bolt.Tx, key []byte) error {
	idx := tx.Bucket([]byte(bucketAuthGrantFamilies))
	if idx == nil {
		return nil
	}
	prefix := append(slices.Clone(key), 0)
	var families []string
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		families = append(families, string(k[len(prefix):]))
	}
	for _, f := range families {
		if err := revokeFamilyInTx(tx, f); err != nil {
			return err
		}
	}
	return nil
}

// putJSON encodes v and stores it at key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, data)
}
