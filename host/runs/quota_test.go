package runs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/runs/runstore"
)

// TestIdempotencyQuota: a client over its count or byte quota gets
// quota.ErrExceeded for a new key; its stored answers still replay, and
// other clients are not affected.
func TestIdempotencyQuota(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	idem := NewIdempotency(db.Idempotency())
	idem.SetQuota(quota.Limit{Count: 2, Bytes: -1})
	answer := Response{Status: 200, ContentType: "application/json", Body: []byte(`{"n":1}`)}
	call := func(client, key string) (*Response, error) {
		prior, err := idem.Begin(ctx, client, key, "echo", "echo", []byte("{}"))
		if err == nil && prior == nil {
			err = idem.Complete(ctx, client, key, answer)
		}
		return prior, err
	}
	for _, k := range []string{"k1", "k2"} {
		if _, err := call("client-a", k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := call("client-a", "k3"); !errors.Is(err, quota.ErrExceeded) {
		t.Fatalf("third key = %v, want quota.ErrExceeded", err)
	}
	if prior, err := call("client-a", "k1"); err != nil || prior == nil || string(prior.Body) != `{"n":1}` {
		t.Fatalf("replay over the quota = %v, %v", prior, err)
	}
	if _, err := call("client-b", "k1"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	if u, _ := db.Idempotency().IdempotencyUsage(ctx, "client-a"); u.Count != 2 {
		t.Errorf("refused key kept: usage %+v", u)
	}

	answer.Body = []byte(`"` + strings.Repeat("x", 10000) + `"`)
	idem.SetQuota(quota.Limit{Count: -1, Bytes: 20000})
	for i := range 2 {
		if _, err := call("client-c", fmt.Sprint("big", i)); err != nil {
			t.Fatalf("answer %d under the byte quota: %v", i, err)
		}
	}
	if _, err := call("client-c", "big2"); !errors.Is(err, quota.ErrExceeded) {
		t.Fatalf("over 20000 stored bytes = %v, want quota.ErrExceeded", err)
	}
}

// TestRunQuota: a client over its run quota gets quota.ErrExceeded, its
// Idempotency-Key is not kept, and other clients' runs are not affected.
func TestRunQuota(t *testing.T) {
	db := openDB(t)
	m := start(t, db, &echo{}, func(c *Config) { c.Quota = quota.Limit{Count: 2, Bytes: -1} })
	for range 2 {
		r := submit(t, m, Request{Input: []byte(`{}`)})
		waitFor(t, m, r.ID, func(r Run) bool { return r.Status.Done() })
	}
	_, err := m.Submit(context.Background(), Request{Principal: alice, Plugin: "echo", Action: "echo", Input: []byte(`{}`), IdempotencyKey: "k"})
	if !errors.Is(err, quota.ErrExceeded) {
		t.Fatalf("third run = %v, want quota.ErrExceeded", err)
	}
	if u, _ := db.Idempotency().IdempotencyUsage(context.Background(), alice.ClientID); u.Count != 0 {
		t.Errorf("the refused run's key was kept: %+v", u)
	}
	bob := host.Principal{ClientID: "client-b", Subject: "bob", Scopes: alice.Scopes}
	if _, err := m.Submit(context.Background(), Request{Principal: bob, Plugin: "echo", Action: "echo", Input: []byte(`{}`)}); err != nil {
		t.Fatalf("another client: %v", err)
	}
	if u, _ := db.Runs().RunUsage(context.Background(), alice.ClientID); u.Count != 2 {
		t.Errorf("alice's runs: %+v", u)
	}

	db2 := openDB(t)
	m2 := start(t, db2, &echo{}, func(c *Config) { c.Quota = quota.Limit{Count: -1, Bytes: 15000} })
	big := []byte(`"` + strings.Repeat("x", 10000) + `"`)
	r := submit(t, m2, Request{Input: big})
	waitFor(t, m2, r.ID, func(r Run) bool { return r.Status.Done() })
	if _, err := m2.Submit(context.Background(), Request{Principal: alice, Plugin: "echo", Action: "echo", Input: big}); !errors.Is(err, quota.ErrExceeded) {
		t.Fatalf("over 15000 stored bytes = %v, want quota.ErrExceeded", err)
	}
}

// TestSweeperDeletesExpiredRecords: the periodic sweep deletes finished
// runs past the retention and expired idempotency keys, and their usage
// goes with them.
func TestSweeperDeletesExpiredRecords(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	past := time.Now().Add(-time.Minute)
	rec := runstore.IdempotencyRecord{ClientID: alice.ClientID, Key: "old", Done: true, CreatedAt: past.Add(-time.Hour), ExpiresAt: past}
	if _, _, err := db.Idempotency().ClaimIdempotency(ctx, rec, past.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	m := start(t, db, &echo{}, func(c *Config) {
		c.Retention, c.SweepInterval = time.Millisecond, 10*time.Millisecond
	})
	r := submit(t, m, Request{Input: []byte(`{"message":"hi"}`)})
	checkFor(t, wait, 5*time.Millisecond, func() error {
		if _, err := db.Runs().GetRun(ctx, r.ID); !errors.Is(err, runstore.ErrNotFound) {
			return fmt.Errorf("run still stored: %v", err)
		}
		u, err := db.Idempotency().IdempotencyUsage(ctx, alice.ClientID)
		if err != nil || u.Count != 0 {
			return fmt.Errorf("idempotency usage %+v, %v", u, err)
		}
		if u, err := db.Runs().RunUsage(ctx, alice.ClientID); err != nil || u != (runstore.Usage{}) {
			return fmt.Errorf("run usage %+v, %v", u, err)
		}
		return nil
	})
}
