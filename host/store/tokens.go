package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// The deny-list keeps, per revoked jti, the time until which it must be
// remembered, plus an index ordered by that time so purging touches only
// what expired. Each change bumps the revocation epoch in the same
// transaction, so a reader that sees the new epoch also sees the change.

// DenyToken implements authstore.Revocations.
func (s *AuthStore) DenyToken(ctx context.Context, jti string, until time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey("jti", jti); err != nil {
		return err
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		if err := denyInTx(tx, jti, until); err != nil {
			return err
		}
		return bumpEpoch(tx)
	})
	if err != nil {
		return fmt.Errorf("deny token: %w", err)
	}
	return nil
}

// TokenStatus implements authstore.Revocations. A deny-list entry past its
// until that was not purged yet still counts: the token it names has expired
// anyway.
func (s *AuthStore) TokenStatus(ctx context.Context, jti, clientID string) (authstore.TokenStatus, uint64, error) {
	var st authstore.TokenStatus
	if err := ctxErr(ctx); err != nil {
		return st, 0, err
	}
	var epoch uint64
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		epoch = readEpoch(tx)
		if b := tx.Bucket([]byte(bucketAuthDeniedJTI)); b != nil && jti != "" && b.Get([]byte(jti)) != nil {
			st.Denied = true
		}
		if clientID == "" {
			return nil
		}
		var err error
		st.ClientFound, st.ClientStatus, st.ClientGeneration, err = readClientState(tx, clientID)
		return err
	})
	if err != nil {
		return authstore.TokenStatus{}, 0, fmt.Errorf("check deny-list: %w", err)
	}
	return st, epoch, nil
}

// RevocationEpoch implements authstore.Revocations.
func (s *AuthStore) RevocationEpoch(ctx context.Context) (uint64, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	var epoch uint64
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		epoch = readEpoch(tx)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read revocation epoch: %w", err)
	}
	return epoch, nil
}

// PurgeRevocations implements authstore.Revocations.
func (s *AuthStore) PurgeRevocations(ctx context.Context, now time.Time) (int, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	var n int
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		byJTI, byExp, err := denyBuckets(tx)
		if err != nil {
			return err
		}
		if n, err = purgeTokens(byJTI, byExp, now); err != nil {
			return err
		}
		return dropLegacyClientCutoffs(tx)
	})
	if err != nil {
		return 0, fmt.Errorf("purge revocations: %w", err)
	}
	return n, nil
}

func purgeTokens(byJTI, byExp *bolt.Bucket, now time.Time) (int, error) {
	limit := encodeTime(now)
	var expired [][]byte
	c := byExp.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0; k, _ = c.Next() {
		expired = append(expired, bytes.Clone(k))
	}
	for _, k := range expired {
		if err := byExp.Delete(k); err != nil {
			return 0, err
		}
		if err := byJTI.Delete(k[8:]); err != nil {
			return 0, err
		}
	}
	return len(expired), nil
}

// dropLegacyClientCutoffs removes the per-client time cut-offs an older
// version kept; client generations (in the client records) replaced them.
func dropLegacyClientCutoffs(tx *bolt.Tx) error {
	if tx.Bucket([]byte(bucketAuthDeniedClients)) == nil {
		return nil
	}
	return tx.DeleteBucket([]byte(bucketAuthDeniedClients))
}

// denyInTx puts jti on the deny-list until until, or keeps a later until
// already there. The caller bumps the epoch in the same transaction.
func denyInTx(tx *bolt.Tx, jti string, until time.Time) error {
	byJTI, byExp, err := denyBuckets(tx)
	if err != nil {
		return err
	}
	if old := byJTI.Get([]byte(jti)); old != nil {
		if !until.After(decodeTime(old)) {
			return nil
		}
		if err := byExp.Delete(expKey(decodeTime(old), jti)); err != nil {
			return err
		}
	}
	if err := byJTI.Put([]byte(jti), encodeTime(until)); err != nil {
		return err
	}
	return byExp.Put(expKey(until, jti), nil)
}

func denyBuckets(tx *bolt.Tx) (byJTI, byExp *bolt.Bucket, err error) {
	if byJTI, err = tx.CreateBucketIfNotExists([]byte(bucketAuthDeniedJTI)); err != nil {
		return nil, nil, err
	}
	if byExp, err = tx.CreateBucketIfNotExists([]byte(bucketAuthDeniedJTIExp)); err != nil {
		return nil, nil, err
	}
	return byJTI, byExp, nil
}

func expKey(until time.Time, jti string) []byte {
	return append(encodeTime(until), jti...)
}

func readEpoch(tx *bolt.Tx) uint64 {
	b := tx.Bucket([]byte(bucketAuthMeta))
	if b == nil {
		return 0
	}
	v := b.Get([]byte(keyRevocationEpoch))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func bumpEpoch(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists([]byte(bucketAuthMeta))
	if err != nil {
		return err
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], readEpoch(tx)+1)
	return b.Put([]byte(keyRevocationEpoch), v[:])
}
