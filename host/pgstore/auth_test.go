package pgstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/auth/authtest"
	"github.com/secure-agent/saa/host/pgstore"
)

func TestAuthStoreConformance(t *testing.T) {
	url, _ := newDatabase(t)
	authtest.TestStorage(t, Open(t, url).Auth())
}

// checkFor polls fn every interval until it returns nil or timeout passes.
func checkFor(t *testing.T, timeout, interval time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}

// seenWithin revokes through one replica's store and requires the other's
// epoch to move and its TokenStatus to report the change within a second.
func seenWithin(t *testing.T, from, to authstore.Store, jti string) time.Duration {
	t.Helper()
	ctx := context.Background()
	before, err := to.RevocationEpoch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := from.DenyToken(ctx, jti, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	checkFor(t, time.Second, 5*time.Millisecond, func() error {
		e, err := to.RevocationEpoch(ctx)
		if err != nil || e <= before {
			return fmt.Errorf("epoch still %d (%v)", e, err)
		}
		return nil
	})
	took := time.Since(start)
	st, _, err := to.TokenStatus(ctx, jti, "")
	if err != nil || !st.Denied {
		t.Fatalf("other replica: denied = %v, %v", st.Denied, err)
	}
	return took
}

// A revocation made through one replica's pool is seen through another's
// within a second: normally by NOTIFY, and by reading the database when the
// listener's connection is gone.
func TestRevocationSeenAcrossReplicas(t *testing.T) {
	url, admin := newDatabase(t)
	a, b := Open(t, url).Auth(), Open(t, url).Auth()
	// Let b's listener connect, so the first case measures NOTIFY.
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error { return listening(admin, 2) })
	t.Run("by notify", func(t *testing.T) {
		t.Logf("seen after %s", seenWithin(t, a, b, "x-replica-1"))
	})
	t.Run("listener killed", func(t *testing.T) {
		if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, pgstore.ListenerName); err != nil {
			t.Fatal(err)
		}
		t.Logf("seen after %s", seenWithin(t, a, b, "x-replica-2"))
	})
	t.Run("listeners back", func(t *testing.T) {
		checkFor(t, 5*time.Second, 10*time.Millisecond, func() error { return listening(admin, 2) })
		seenWithin(t, b, a, "x-replica-3")
	})
	t.Run("client change", func(t *testing.T) {
		c := authstore.Client{ID: "x-client", Name: "x", Status: authstore.ClientActive, CreatedAt: time.Now()}
		if err := a.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		before, _ := b.RevocationEpoch(context.Background())
		if _, err := a.UpdateClient(context.Background(), c.ID, func(c *authstore.Client) error {
			c.Status = authstore.ClientDisabled
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		checkFor(t, time.Second, 5*time.Millisecond, func() error {
			if e, _ := b.RevocationEpoch(context.Background()); e <= before {
				return fmt.Errorf("epoch still %d", e)
			}
			return nil
		})
		st, _, err := b.TokenStatus(context.Background(), "", c.ID)
		if err != nil || st.ClientStatus != authstore.ClientDisabled {
			t.Fatalf("other replica sees %+v, %v", st, err)
		}
	})
}

// listening reports whether n revocation listeners are connected to
// admin's database.
func listening(admin *sql.DB, n int) error {
	var got int
	err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, pgstore.ListenerName).Scan(&got)
	if err == nil && got != n {
		err = fmt.Errorf("%d listeners, want %d", got, n)
	}
	return err
}

// Updates of one client through two replicas never lose each other: the
// row lock spans every connection.
func TestClientUpdatesAcrossReplicas(t *testing.T) {
	url, _ := newDatabase(t)
	stores := []authstore.Store{Open(t, url).Auth(), Open(t, url).Auth()}
	ctx := context.Background()
	if err := stores[0].CreateClient(ctx, authstore.Client{ID: "shared", Status: authstore.ClientActive}); err != nil {
		t.Fatal(err)
	}
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = stores[i%2].UpdateClient(ctx, "shared", func(c *authstore.Client) error {
				c.Scopes = append(c.Scopes, fmt.Sprintf("s%02d", i))
				c.Generation++
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got, err := stores[1].GetClient(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Scopes) != n || got.Generation != n {
		t.Fatalf("%d scopes at generation %d, want %d of each", len(got.Scopes), got.Generation, n)
	}
}

// Bad input gets a clear error, not a half-written row.
func TestAuthRefusesBadInput(t *testing.T) {
	url, _ := newDatabase(t)
	s := Open(t, url).Auth()
	ctx := context.Background()
	cases := map[string]error{
		"empty client id":     s.CreateClient(ctx, authstore.Client{}),
		"client time too far": s.CreateClient(ctx, authstore.Client{ID: "far", CreatedAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}),
		"huge generation":     s.CreateClient(ctx, authstore.Client{ID: "gen", Generation: 1 << 63}),
		"empty user name":     s.CreateUser(ctx, authstore.User{}),
		"empty jti":           s.DenyToken(ctx, "", time.Now()),
		"zero until":          s.DenyToken(ctx, "jti", time.Time{}),
	}
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if all, err := s.ListClients(ctx); err != nil || len(all) != 0 {
		t.Fatalf("clients after refused creates: %v, %v", all, err)
	}
}
