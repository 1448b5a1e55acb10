package runs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secure-agent/saa/host/quota"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// IdempotencyTTL is how long a key is remembered after its first use.
const IdempotencyTTL = 24 * time.Hour

// maxCallTime bounds how long a synchronous call can run: the longest
// timeout a manifest may set (10m), with a margin.
const maxCallTime = 15 * time.Minute

// shared reports whether other processes use the store too.
func (i *Idempotency) shared() bool {
	_, ok := i.store.(runstore.IdempotencyQuotaStore)
	return ok
}

// maxKey bounds an Idempotency-Key.
const maxKey = 255

// Response is the first answer to a synchronous request, as the HTTP layer
// stored it with Complete and replays it.
type Response = runstore.Response

// Idempotency remembers, per client and Idempotency-Key, the first request
// and its result for IdempotencyTTL. The HTTP layer uses it around
// synchronous calls:
//
//	prior, err := idem.Begin(ctx, client, key, plugin, action, input)
//	// err: ErrIdempotencyConflict (422), ErrInFlight (409), ErrInterrupted, ErrInvalidKey (400)
//	// prior != nil: answer *prior again
//	// else: run the call, then Complete(ctx, client, key, response), or
//	// Abandon if the call never ran (refused before the plugin started)
//
// and Manager.Submit uses it for runs. When one process owns the store, as
// bbolt ensures, a call left in flight by another process is taken to be
// interrupted by its death. On a store replicas share
// (runstore.IdempotencyQuotaStore), a call in flight on another replica
// is answered ErrInFlight until it is older than the longest call can be
// (maxCallTime), and only then taken to be interrupted.
type Idempotency struct {
	store runstore.IdempotencyStore
	quota quota.Limit
	mu    sync.Mutex // serialises quota checks with claims
	// owner identifies this process in the records of calls in flight.
	owner string
	now   func() time.Time
}

// NewIdempotency returns an Idempotency on s.
func NewIdempotency(s runstore.IdempotencyStore) *Idempotency {
	return &Idempotency{store: s, owner: rand.Text(), now: time.Now, quota: DefaultIdempotencyQuota}
}

// Begin claims key for a synchronous call of plugin.action with input. It
// returns nil when the caller should run the call and then Complete or
// Abandon it, or the first call's response when the same request was made
// before.
func (i *Idempotency) Begin(ctx context.Context, clientID, key, plugin, action string, input []byte) (*Response, error) {
	if err := checkIdempotencyKey(key); err != nil {
		return nil, err
	}
	now := i.now()
	rec := runstore.IdempotencyRecord{
		ClientID: clientID, Key: key, RequestHash: fingerprint("sync", plugin, action, "", input),
		Owner: i.owner, CreatedAt: now, ExpiresAt: now.Add(IdempotencyTTL),
	}
	got, claimed, err := i.claim(ctx, rec, now)
	switch {
	case errors.Is(err, quota.ErrExceeded):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("begin idempotent call: %w", err)
	case claimed:
		return nil, nil
	case got.RequestHash != rec.RequestHash:
		return nil, ErrIdempotencyConflict
	case got.Interrupted:
		return nil, ErrInterrupted
	case got.Done:
		return &got.Response, nil
	case got.Owner == i.owner:
		return nil, ErrInFlight
	case i.shared() && now.Before(got.CreatedAt.Add(maxCallTime)):
		return nil, ErrInFlight // another replica is running it
	}
	return nil, i.interrupt(ctx, clientID, key)
}

// interrupt records that the call in flight under key belonged to a process
// that died, and returns ErrInterrupted.
func (i *Idempotency) interrupt(ctx context.Context, clientID, key string) error {
	_, err := i.store.UpdateIdempotency(ctx, clientID, key, func(r *runstore.IdempotencyRecord) error {
		if !r.Done && r.Owner != i.owner {
			r.Done, r.Interrupted, r.Owner = true, true, ""
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("begin idempotent call: %w", err)
	}
	return ErrInterrupted
}

// errNotClaimed means Complete was called for a key this process does not
// hold in flight.
var errNotClaimed = errors.New("idempotency key is not in flight here")

// Complete stores resp as the answer to replay for key. It ignores the
// caller's cancellation: the call happened.
func (i *Idempotency) Complete(ctx context.Context, clientID, key string, resp Response) error {
	ctx = context.WithoutCancel(ctx)
	_, err := i.store.UpdateIdempotency(ctx, clientID, key, func(r *runstore.IdempotencyRecord) error {
		if r.Done || r.Owner != i.owner {
			return errNotClaimed
		}
		r.Done, r.Owner, r.Response = true, "", resp
		return nil
	})
	if err != nil {
		return fmt.Errorf("complete idempotent call: %w", err)
	}
	return nil
}

// Abandon releases key so that a retry runs the call: for calls refused
// before anything ran (bad input, missing scope, capacity).
func (i *Idempotency) Abandon(ctx context.Context, clientID, key string) error {
	if err := i.store.DeleteIdempotency(context.WithoutCancel(ctx), clientID, key); err != nil {
		return fmt.Errorf("abandon idempotent call: %w", err)
	}
	return nil
}

// claimRun claims key for a Submit that will create run id. It returns ""
// when the claim is new, or the run id of the first Submit with this key.
func (i *Idempotency) claimRun(ctx context.Context, r *Request, id string) (string, error) {
	if err := checkIdempotencyKey(r.IdempotencyKey); err != nil {
		return "", err
	}
	now := i.now()
	rec := runstore.IdempotencyRecord{
		ClientID: r.Principal.ClientID, Key: r.IdempotencyKey,
		RequestHash: fingerprint("async", r.Plugin, r.Action, r.CallbackURL, r.Input),
		RunID:       id, Done: true, CreatedAt: now, ExpiresAt: now.Add(IdempotencyTTL),
	}
	got, claimed, err := i.claim(ctx, rec, now)
	switch {
	case errors.Is(err, quota.ErrExceeded):
		return "", err
	case err != nil:
		return "", fmt.Errorf("claim idempotency key: %w", err)
	case claimed:
		return "", nil
	case got.RequestHash != rec.RequestHash || got.RunID == "":
		return "", ErrIdempotencyConflict
	}
	return got.RunID, nil
}

// purge forgets expired keys.
func (i *Idempotency) purge(ctx context.Context) (int, error) {
	return i.store.PurgeIdempotency(ctx, i.now())
}

func checkIdempotencyKey(key string) error {
	if key == "" || len(key) > maxKey {
		return ErrInvalidKey
	}
	for i := range len(key) {
		if key[i] < 0x20 || key[i] > 0x7e {
			return ErrInvalidKey
		}
	}
	return nil
}

// fingerprint identifies a request: each part length-prefixed, hashed.
func fingerprint(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		var b []byte
		switch v := p.(type) {
		case string:
			b = []byte(v)
		case []byte:
			b = v
		}
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
