package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

type codeRecord struct {
	Family    string    `json:"family"`
	Request   []byte    `json:"request"`
	ExpiresAt time.Time `json:"expires_at"`
	Used      bool      `json:"used,omitempty"`
}

type refreshRecord struct {
	Family    string    `json:"family"`
	Request   []byte    `json:"request"`
	ExpiresAt time.Time `json:"expires_at"`
	Active    bool      `json:"active"`
}

// maxPurgePerWrite bounds how many expired codes one CreateCode drops, so
// no single request pays for a long backlog.
const maxPurgePerWrite = 100

// CreateCode implements authstore.Codes. It drops a few expired codes on
// the way, oldest first, so that unredeemed codes do not pile up.
func (s *AuthStore) CreateCode(ctx context.Context, c authstore.Code) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("code", c.Signature); err != nil {
		return err
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		codes, byExp, err := codeBuckets(tx)
		if err != nil {
			return err
		}
		if err := purgeCodes(codes, byExp, time.Now()); err != nil {
			return err
		}
		if codes.Get([]byte(c.Signature)) != nil {
			return authstore.ErrExists
		}
		rec := codeRecord{Family: c.Family, Request: c.Request, ExpiresAt: c.ExpiresAt, Used: c.Used}
		if err := putJSON(codes, []byte(c.Signature), rec); err != nil {
			return err
		}
		return byExp.Put(expKey(c.ExpiresAt, c.Signature), nil)
	})
	if err != nil {
		return fmt.Errorf("create code: %w", err)
	}
	return nil
}

func codeBuckets(tx *bolt.Tx) (codes, byExp *bolt.Bucket, err error) {
	if codes, err = tx.CreateBucketIfNotExists([]byte(bucketAuthCodes)); err != nil {
		return nil, nil, err
	}
	if byExp, err = tx.CreateBucketIfNotExists([]byte(bucketAuthCodesExp)); err != nil {
		return nil, nil, err
	}
	return codes, byExp, nil
}

// purgeCodes drops up to maxPurgePerWrite codes that expired before now.
func purgeCodes(codes, byExp *bolt.Bucket, now time.Time) error {
	var stale [][]byte
	c := byExp.Cursor()
	for k, _ := c.First(); k != nil && len(stale) < maxPurgePerWrite; k, _ = c.Next() {
		if len(k) < 8 || !decodeTime(k).Before(now) {
			break
		}
		stale = append(stale, slices.Clone(k))
	}
	for _, k := range stale {
		if err := codes.Delete(k[8:]); err != nil {
			return err
		}
		if err := byExp.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// GetCode implements authstore.Codes.
func (s *AuthStore) GetCode(ctx context.Context, signature string) (authstore.Code, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.Code{}, err
	}
	var rec codeRecord
	if err := s.getJSON(bucketAuthCodes, signature, &rec); err != nil {
		return authstore.Code{}, fmt.Errorf("get code: %w", err)
	}
	return authstore.Code{Signature: signature, Family: rec.Family, Request: rec.Request, ExpiresAt: rec.ExpiresAt, Used: rec.Used}, nil
}

// UseCode implements authstore.Codes: the read and the write are one
// transaction, so of two concurrent redemptions one sees the other's mark.
func (s *AuthStore) UseCode(ctx context.Context, signature string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	var rec codeRecord
	err := s.updateJSON(bucketAuthCodes, signature, &rec, func(*bolt.Tx) error {
		if rec.Used {
			return authstore.ErrUsed
		}
		rec.Used = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("use code: %w", err)
	}
	return nil
}

// AddAccessToken implements authstore.Families. Tokens that expired are
// dropped from the family on the way: a long-lived family keeps only what
// a revocation would still have to deny.
func (s *AuthStore) AddAccessToken(ctx context.Context, family, user, clientID, jti string, exp time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("family", family); err != nil {
		return err
	}
	// A token minted for a revoked family is denied, and that must commit
	// although the call fails.
	revoked := false
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		fams, err := tx.CreateBucketIfNotExists([]byte(bucketAuthFamilies))
		if err != nil {
			return err
		}
		rec, found, err := readFamily(fams, family)
		if err != nil {
			return err
		}
		if rec.Revoked {
			revoked = true
			if err := denyInTx(tx, jti, exp); err != nil {
				return err
			}
			return bumpEpoch(tx)
		}
		if !found {
			rec = familyRecord{User: user, ClientID: clientID}
			if err := indexFamily(tx, user, clientID, family); err != nil {
				return err
			}
		}
		now := time.Now()
		rec.Tokens = slices.DeleteFunc(rec.Tokens, func(t familyToken) bool { return t.Exp.Before(now) })
		rec.Tokens = append(rec.Tokens, familyToken{JTI: jti, Exp: exp})
		return putJSON(fams, []byte(family), rec)
	})
	if err == nil && revoked {
		err = authstore.ErrFamilyRevoked
	}
	if err != nil {
		return fmt.Errorf("add access token: %w", err)
	}
	return nil
}

func indexFamily(tx *bolt.Tx, user, clientID, family string) error {
	idx, err := tx.CreateBucketIfNotExists([]byte(bucketAuthGrantFamilies))
	if err != nil {
		return err
	}
	return idx.Put(append(append(grantKey(user, clientID), 0), family...), nil)
}

func readFamily(b *bolt.Bucket, family string) (familyRecord, bool, error) {
	var rec familyRecord
	data := b.Get([]byte(family))
	if data == nil {
		return rec, false, nil
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("decode family: %w", err)
	}
	return rec, true, nil
}

// CreateRefreshToken implements authstore.Families.
func (s *AuthStore) CreateRefreshToken(ctx context.Context, rt authstore.RefreshToken) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("refresh token", rt.Signature); err != nil {
		return err
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		fams, err := tx.CreateBucketIfNotExists([]byte(bucketAuthFamilies))
		if err != nil {
			return err
		}
		rec, found, err := readFamily(fams, rt.Family)
		switch {
		case err != nil:
			return err
		case !found:
			return authstore.ErrNotFound
		case rec.Revoked:
			return authstore.ErrFamilyRevoked
		}
		refresh, err := tx.CreateBucketIfNotExists([]byte(bucketAuthRefresh))
		if err != nil {
			return err
		}
		if refresh.Get([]byte(rt.Signature)) != nil {
			return authstore.ErrExists
		}
		if err := putJSON(refresh, []byte(rt.Signature), refreshRecord{Family: rt.Family, Request: rt.Request, ExpiresAt: rt.ExpiresAt, Active: true}); err != nil {
			return err
		}
		rec.Refresh = append(rec.Refresh, rt.Signature)
		return putJSON(fams, []byte(rt.Family), rec)
	})
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	return nil
}

// GetRefreshToken implements authstore.Families.
func (s *AuthStore) GetRefreshToken(ctx context.Context, signature string) (authstore.RefreshToken, error) {
	if err := ctxErr(ctx); err != nil {
		return authstore.RefreshToken{}, err
	}
	var rec refreshRecord
	if err := s.getJSON(bucketAuthRefresh, signature, &rec); err != nil {
		return authstore.RefreshToken{}, fmt.Errorf("get refresh token: %w", err)
	}
	return authstore.RefreshToken{Signature: signature, Family: rec.Family, Request: rec.Request, ExpiresAt: rec.ExpiresAt, Active: rec.Active}, nil
}

// RotateRefreshToken implements authstore.Families as a compare-and-swap in
// one write transaction.
func (s *AuthStore) RotateRefreshToken(ctx context.Context, signature string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	var rec refreshRecord
	err := s.updateJSON(bucketAuthRefresh, signature, &rec, func(*bolt.Tx) error {
		if !rec.Active {
			return authstore.ErrUsed
		}
		rec.Active = false
		return nil
	})
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return nil
}

// RevokeFamily implements authstore.Families.
func (s *AuthStore) RevokeFamily(ctx context.Context, family string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		if err := revokeFamilyInTx(tx, family); err != nil {
			return err
		}
		return bumpEpoch(tx)
	})
	if err != nil {
		return fmt.Errorf("revoke family: %w", err)
	}
	return nil
}

// revokeFamilyInTx marks family revoked, denies its live access tokens and
// deactivates its refresh tokens. The caller bumps the epoch.
func revokeFamilyInTx(tx *bolt.Tx, family string) error {
	fams, err := tx.CreateBucketIfNotExists([]byte(bucketAuthFamilies))
	if err != nil {
		return err
	}
	rec, found, err := readFamily(fams, family)
	if err != nil {
		return err
	}
	if !found {
		return authstore.ErrNotFound
	}
	for _, t := range rec.Tokens {
		if err := denyInTx(tx, t.JTI, t.Exp); err != nil {
			return err
		}
	}
	if err := deactivateRefresh(tx, rec.Refresh); err != nil {
		return err
	}
	rec.Revoked, rec.Tokens, rec.Refresh = true, nil, nil
	return putJSON(fams, []byte(family), rec)
}

func deactivateRefresh(tx *bolt.Tx, sigs []string) error {
	b := tx.Bucket([]byte(bucketAuthRefresh))
	if b == nil {
		return nil
	}
	for _, sig := range sigs {
		data := b.Get([]byte(sig))
		if data == nil {
			continue
		}
		var rec refreshRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("decode refresh token: %w", err)
		}
		rec.Active = false
		if err := putJSON(b, []byte(sig), rec); err != nil {
			return err
		}
	}
	return nil
}
