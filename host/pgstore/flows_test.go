package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/auth/authtest"
	"github.com/secure-agent/saa/host/pgstore"
)

func flowStore(t *testing.T, url string) authtest.FlowStore {
	t.Helper()
	return flowStoreOf(t, Open(t, url))
}

func flowStoreOf(t testing.TB, db *pgstore.DB) authtest.FlowStore {
	t.Helper()
	s, ok := db.Auth().(authtest.FlowStore)
	if !ok {
		t.Fatal("the PostgreSQL auth store does not implement authstore.Flows")
	}
	return s
}

func TestFlowsConformance(t *testing.T) {
	url, _ := newDatabase(t)
	authtest.TestFlows(t, flowStore(t, url))
}

// family starts a family with one access token and one refresh token.
func family(t *testing.T, s authtest.FlowStore, fam, rt string) {
	t.Helper()
	ctx := context.Background()
	if err := s.AddAccessToken(ctx, fam, "alice", "agent", fam+"-jti-0", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRefreshToken(ctx, authstore.RefreshToken{Signature: rt, Family: fam, Request: []byte("r"), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// Concurrent redemptions of one code and rotations of one refresh token,
// spread over two pools (two replicas), have exactly one winner each.
func TestCompareAndSwapAcrossPools(t *testing.T) {
	url, _ := newDatabase(t)
	pools := []authtest.FlowStore{flowStore(t, url), flowStore(t, url)}
	ctx := context.Background()
	cases := []struct {
		name  string
		setup func(t *testing.T, key string)
		swap  func(s authtest.FlowStore, key string) error
	}{
		{"code redemption", func(t *testing.T, key string) {
			if err := pools[0].CreateCode(ctx, authstore.Code{Signature: key, Family: key + "-fam", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}, func(s authtest.FlowStore, key string) error { return s.UseCode(ctx, key) }},
		{"refresh rotation", func(t *testing.T, key string) { family(t, pools[0], key+"-fam", key) },
			func(s authtest.FlowStore, key string) error { return s.RotateRefreshToken(ctx, key) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for round := range 5 {
				key := fmt.Sprintf("%s-%d", c.name[:4], round)
				c.setup(t, key)
				var wins atomic.Int32
				var wg sync.WaitGroup
				errs := make([]error, 16)
				for i := range errs {
					wg.Go(func() {
						err := c.swap(pools[i%2], key)
						if err == nil {
							wins.Add(1)
						} else if !errors.Is(err, authstore.ErrUsed) {
							errs[i] = err
						}
					})
				}
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					t.Fatal(err)
				}
				if wins.Load() != 1 {
					t.Fatalf("round %d: %d winners, want exactly 1", round, wins.Load())
				}
			}
		})
	}
}

// A token added to a family while another replica revokes it is either
// denied by the revocation or refused (and denied) itself: none survives.
func TestFamilyRevocationRacesNewTokens(t *testing.T) {
	url, _ := newDatabase(t)
	a, b := flowStore(t, url), flowStore(t, url)
	ctx := context.Background()
	for round := range 5 {
		fam := fmt.Sprintf("race-%d", round)
		family(t, a, fam, fam+"-rt")
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n+1)
		for i := range n {
			wg.Go(func() {
				err := b.AddAccessToken(ctx, fam, "alice", "agent", fmt.Sprintf("%s-jti-%d", fam, i+1), time.Now().Add(time.Hour))
				if !errors.Is(err, authstore.ErrFamilyRevoked) {
					errs[i] = err
				}
			})
		}
		wg.Go(func() { errs[n] = a.RevokeFamily(ctx, fam) })
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for i := range n + 1 {
			jti := fmt.Sprintf("%s-jti-%d", fam, i)
			if st, _, err := a.TokenStatus(ctx, jti, ""); err != nil || !st.Denied {
				t.Fatalf("round %d: %s survived its family's revocation (%v)", round, jti, err)
			}
		}
		if rt, err := b.GetRefreshToken(ctx, fam+"-rt"); err != nil || rt.Active {
			t.Fatalf("round %d: refresh token after revocation: %+v, %v", round, rt, err)
		}
	}
}

// Bad input gets a clear error, and nothing is stored.
func TestFlowsRefuseBadInput(t *testing.T) {
	url, _ := newDatabase(t)
	s := flowStore(t, url)
	ctx := context.Background()
	soon := time.Now().Add(time.Hour)
	tooLate := time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, err := range map[string]error{
		"grant without user":        func() error { _, err := s.PutGrant(ctx, "", "agent", nil, soon); return err }(),
		"grant without client":      func() error { _, err := s.PutGrant(ctx, "alice", "", nil, soon); return err }(),
		"grant time out of range":   func() error { _, err := s.PutGrant(ctx, "alice", "agent", nil, tooLate); return err }(),
		"code without signature":    s.CreateCode(ctx, authstore.Code{Family: "f", ExpiresAt: soon}),
		"code expiry out of range":  s.CreateCode(ctx, authstore.Code{Signature: "bad-code", Family: "f", ExpiresAt: tooLate}),
		"access token without jti":  s.AddAccessToken(ctx, "bad-fam", "alice", "agent", "", soon),
		"access token without exp":  s.AddAccessToken(ctx, "bad-fam", "alice", "agent", "jti", time.Time{}),
		"access token no family":    s.AddAccessToken(ctx, "", "alice", "agent", "jti", soon),
		"refresh without signature": s.CreateRefreshToken(ctx, authstore.RefreshToken{Family: "f"}),
		"key with a NUL byte":       s.CreateCode(ctx, authstore.Code{Signature: "a\x00b", Family: "f", ExpiresAt: soon}),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := s.GetCode(ctx, "bad-code"); !errors.Is(err, authstore.ErrNotFound) {
		t.Fatalf("a refused code was stored: %v", err)
	}
	if err := s.RevokeFamily(ctx, "bad-fam"); !errors.Is(err, authstore.ErrNotFound) {
		t.Fatalf("a refused access token created its family: %v", err)
	}
	if l, err := s.ListGrants(ctx, "alice"); err != nil || len(l) != 0 {
		t.Fatalf("a refused grant was stored: %v, %v", l, err)
	}
}

// CreateCode drops codes that expired, and keeps live ones.
func TestCreateCodePurgesExpiredCodes(t *testing.T) {
	url, _ := newDatabase(t)
	s := flowStore(t, url)
	ctx := context.Background()
	if err := s.CreateCode(ctx, authstore.Code{Signature: "stale", Family: "f1", ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCode(ctx, authstore.Code{Signature: "live", Family: "f2", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCode(ctx, "stale"); !errors.Is(err, authstore.ErrNotFound) {
		t.Fatalf("expired code kept: %v", err)
	}
	if err := s.CreateCode(ctx, authstore.Code{Signature: "next", Family: "f3", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCode(ctx, "live"); err != nil {
		t.Fatalf("live code dropped: %v", err)
	}
}
