package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// An idempotency key is unique across replicas: of claims racing through
// two pools, exactly one wins, and every loser sees the winner's record.
func TestIdempotencyKeyUniqueAcrossReplicas(t *testing.T) {
	dbs := runsReplicas(t, 2)
	now := time.Now()
	for k := range 5 {
		key := fmt.Sprint("key-", k)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		seen := map[string]int{}
		for i := range 8 {
			wg.Go(func() {
				rec := runstore.IdempotencyRecord{ClientID: "c", Key: key, RequestHash: fmt.Sprint("h", i),
					CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				got, won, err := dbs[i%2].Idempotency().ClaimIdempotency(context.Background(), rec, now)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				seen[got.RequestHash]++
				if won {
					winners = append(winners, got.RequestHash)
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 || len(seen) != 1 || seen[winners[0]] != 8 {
			t.Errorf("%s: winners %v, records seen %v; want one winner that every claim sees", key, winners, seen)
		}
	}
	if u, _ := dbs[1].Idempotency().IdempotencyUsage(context.Background(), "c"); u.Count != 5 {
		t.Errorf("usage %+v, want the 5 keys", u)
	}
}

// The idempotency quota is race-free across replicas, and a refused claim
// leaves nothing behind.
func TestIdempotencyQuotaAcrossReplicas(t *testing.T) {
	dbs := runsReplicas(t, 2)
	now := time.Now()
	errFull := errors.New("over quota")
	check := func(u runstore.Usage) error {
		if u.Count >= 3 {
			return errFull
		}
		return nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 12 {
		wg.Go(func() {
			rec := runstore.IdempotencyRecord{ClientID: "c", Key: fmt.Sprint("k", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			_, ok, err := dbs[i%2].Idempotency().ClaimIdempotencyWithin(context.Background(), rec, now, check)
			if err != nil && !errors.Is(err, errFull) {
				t.Error(err)
			}
			mu.Lock()
			if ok {
				won++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	u, _ := dbs[0].Idempotency().IdempotencyUsage(context.Background(), "c")
	if n, _ := dbs[0].Idempotency().PurgeIdempotency(context.Background(), now.Add(2*time.Hour)); won != 3 || u.Count != 3 || n != 3 {
		t.Errorf("won %d, usage %+v, stored %d; want exactly 3", won, u, n)
	}
}
