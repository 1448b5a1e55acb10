package authtest

import (
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

func epoch(t *testing.T, s authstore.Revocations) uint64 {
	t.Helper()
	e, err := s.RevocationEpoch(ctx(t))
	mustNoErr(t, err, "epoch")
	return e
}

func denied(t *testing.T, s authstore.Revocations, jti string) bool {
	t.Helper()
	d, _, err := s.TokenDenied(ctx(t), jti)
	mustNoErr(t, err, "token denied")
	return d
}

func testRevocations(t *testing.T, s authstore.Revocations) {
	t.Run("deny token is seen at once and bumps the epoch", func(t *testing.T) {
		before := epoch(t, s)
		if denied(t, s, "conf-jti-1") {
			t.Fatal("fresh jti reported denied")
		}
		mustNoErr(t, s.DenyToken(ctx(t), "conf-jti-1", now.Add(time.Hour)), "deny")
		after := epoch(t, s)
		if after <= before {
			t.Fatalf("epoch %d -> %d, want growth", before, after)
		}
		d, e, err := s.TokenDenied(ctx(t), "conf-jti-1")
		mustNoErr(t, err, "token denied")
		if !d || e != after {
			t.Fatalf("denied = %v at epoch %d, want true at %d", d, e, after)
		}
		if denied(t, s, "conf-jti-2") {
			t.Fatal("another jti reported denied")
		}
	})
	testPurge(t, s)
}

// testClientEpoch checks that every change of a client is seen by a
// verifier's next epoch read: a token cached as good must be checked again.
func testClientEpoch(t *testing.T, s authstore.Store) {
	c := sampleClient("conf-epoch")
	mustNoErr(t, s.CreateClient(ctx(t), c), "create")
	steps := []struct {
		name   string
		change func() error
	}{
		{"update", func() error {
			_, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error { c.Generation++; return nil })
			return err
		}},
		{"delete", func() error { return s.DeleteClient(ctx(t), c.ID) }},
	}
	for _, step := range steps {
		before := epoch(t, s)
		mustNoErr(t, step.change(), step.name)
		if after := epoch(t, s); after <= before {
			t.Fatalf("%s: epoch %d -> %d, want growth", step.name, before, after)
		}
	}
	got, err := s.GetClient(ctx(t), c.ID)
	if err == nil {
		t.Fatalf("deleted client still readable: %+v", got)
	}
}

func testPurge(t *testing.T, s authstore.Revocations) {
	t.Run("purge forgets only what expired and keeps the epoch", func(t *testing.T) {
		far := now.Add(24 * time.Hour)
		mustNoErr(t, s.DenyToken(ctx(t), "conf-purge-old", now.Add(-time.Hour)), "deny old")
		mustNoErr(t, s.DenyToken(ctx(t), "conf-purge-new", far.Add(time.Hour)), "deny new")
		before := epoch(t, s)
		n, err := s.PurgeRevocations(ctx(t), now)
		mustNoErr(t, err, "purge")
		if n < 1 {
			t.Fatalf("purged %d entries, want at least 1", n)
		}
		if epoch(t, s) != before {
			t.Fatal("purge changed the epoch")
		}
		if denied(t, s, "conf-purge-old") {
			t.Fatal("expired jti survived the purge")
		}
		if !denied(t, s, "conf-purge-new") {
			t.Fatal("live jti was purged")
		}
	})
	t.Run("denying again with a later expiry keeps the entry until then", func(t *testing.T) {
		mustNoErr(t, s.DenyToken(ctx(t), "conf-extend", now.Add(time.Minute)), "deny")
		mustNoErr(t, s.DenyToken(ctx(t), "conf-extend", now.Add(48*time.Hour)), "deny again")
		_, err := s.PurgeRevocations(ctx(t), now.Add(time.Hour))
		mustNoErr(t, err, "purge")
		if !denied(t, s, "conf-extend") {
			t.Fatal("extended entry was purged at its first expiry")
		}
	})
}
