package runs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIdempotencySync(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	idem := NewIdempotency(db.Idempotency())
	first := Response{Status: 200, ContentType: "application/json", Body: []byte(`{"n":1}`)}

	begin := func(i *Idempotency, key, input string) (*Response, error) {
		return i.Begin(ctx, "client-a", key, "echo", "echo", []byte(input))
	}
	if prior, err := begin(idem, "k1", "{}"); prior != nil || err != nil {
		t.Fatalf("first begin = %v, %v; want to run", prior, err)
	}
	if _, err := begin(idem, "k1", "{}"); !errors.Is(err, ErrInFlight) {
		t.Errorf("begin while in flight: err = %v, want ErrInFlight", err)
	}
	if err := idem.Complete(ctx, "client-a", "k1", first); err != nil {
		t.Fatal(err)
	}
	if err := idem.Complete(ctx, "client-a", "k1", first); err == nil {
		t.Error("a second Complete succeeded")
	}

	cases := []struct {
		name, client, key, input string
		wantPrior                bool
		wantErr                  error
	}{
		{"same request replays", "client-a", "k1", "{}", true, nil},
		{"different input conflicts", "client-a", "k1", `{"x":1}`, false, ErrIdempotencyConflict},
		{"other client is separate", "client-b", "k1", "{}", false, nil},
		{"empty key", "client-a", "", "{}", false, ErrInvalidKey},
		{"control character", "client-a", "k\n", "{}", false, ErrInvalidKey},
		{"long key", "client-a", strings.Repeat("k", 256), "{}", false, ErrInvalidKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prior, err := idem.Begin(ctx, c.client, c.key, "echo", "echo", []byte(c.input))
			if !errors.Is(err, c.wantErr) || (prior != nil) != c.wantPrior {
				t.Fatalf("begin = %v, %v; want prior %v, err %v", prior, err, c.wantPrior, c.wantErr)
			}
			if prior != nil && (prior.Status != 200 || string(prior.Body) != `{"n":1}`) {
				t.Errorf("replayed %+v", prior)
			}
		})
	}
}

func TestIdempotencyAbandon(t *testing.T) {
	ctx := context.Background()
	idem := NewIdempotency(openDB(t).Idempotency())
	if _, err := idem.Begin(ctx, "c", "k", "p", "a", nil); err != nil {
		t.Fatal(err)
	}
	if err := idem.Abandon(ctx, "c", "k"); err != nil {
		t.Fatal(err)
	}
	if prior, err := idem.Begin(ctx, "c", "k", "p", "a", []byte("other")); prior != nil || err != nil {
		t.Errorf("begin after abandon = %v, %v; want to run", prior, err)
	}
}

// A call left in flight by a process that died is reported interrupted, not
// run again and not left blocking the key.
func TestIdempotencyInterruptedByRestart(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	dead := NewIdempotency(db.Idempotency())
	if _, err := dead.Begin(ctx, "c", "k", "p", "a", nil); err != nil {
		t.Fatal(err)
	}
	restarted := NewIdempotency(db.Idempotency())
	for range 2 {
		if _, err := restarted.Begin(ctx, "c", "k", "p", "a", nil); !errors.Is(err, ErrInterrupted) {
			t.Errorf("begin after restart: err = %v, want ErrInterrupted", err)
		}
	}
	if err := dead.Complete(ctx, "c", "k", Response{Status: 200}); err == nil {
		t.Error("the dead process's Complete overwrote the interruption")
	}
}

func TestIdempotencyExpires(t *testing.T) {
	ctx := context.Background()
	idem := NewIdempotency(openDB(t).Idempotency())
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	idem.now = func() time.Time { return now }
	if _, err := idem.Begin(ctx, "c", "k", "p", "a", nil); err != nil {
		t.Fatal(err)
	}
	if err := idem.Complete(ctx, "c", "k", Response{Status: 200}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(IdempotencyTTL)
	if prior, err := idem.Begin(ctx, "c", "k", "p", "a", []byte("new")); prior != nil || err != nil {
		t.Errorf("begin after expiry = %v, %v; want to run", prior, err)
	}
	if n, err := idem.purge(ctx); n != 0 || err != nil {
		t.Errorf("purge = %d, %v; the live key must stay", n, err)
	}
	now = now.Add(IdempotencyTTL)
	if n, err := idem.purge(ctx); n != 1 || err != nil {
		t.Errorf("purge = %d, %v; want the expired key gone", n, err)
	}
}
