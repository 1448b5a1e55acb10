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

func denied(t *testing.T, s authstore.Revocations, jti, client string, iat time.Time) bool {
	t.Helper()
	d, _, err := s.TokenDenied(ctx(t), jti, client, iat)
	mustNoErr(t, err, "token denied")
	return d
}

func testRevocations(t *testing.T, s authstore.Revocations) {
	t.Run("deny token is seen at once and bumps the epoch", func(t *testing.T) {
		before := epoch(t, s)
		if denied(t, s, "conf-jti-1", "conf-c1", now) {
			t.Fatal("fresh jti reported denied")
		}
		mustNoErr(t, s.DenyToken(ctx(t), "conf-jti-1", now.Add(time.Hour)), "deny")
		after := epoch(t, s)
		if after <= before {
			t.Fatalf("epoch %d -> %d, want growth", before, after)
		}
		d, e, err := s.TokenDenied(ctx(t), "conf-jti-1", "conf-c1", now)
		mustNoErr(t, err, "token denied")
		if !d || e != after {
			t.Fatalf("denied = %v at epoch %d, want true at %d", d, e, after)
		}
		if denied(t, s, "conf-jti-2", "conf-c1", now) {
			t.Fatal("another jti reported denied")
		}
	})
	testClientCutoffs(t, s)
	testPurge(t, s)
}

func testClientCutoffs(t *testing.T, s authstore.Revocations) {
	t.Run("client cut-off voids tokens issued at or before it", func(t *testing.T) {
		before := epoch(t, s)
		cut := now.Add(time.Minute)
		mustNoErr(t, s.DenyClientTokens(ctx(t), "conf-c2", cut, now.Add(time.Hour)), "deny client")
		if epoch(t, s) <= before {
			t.Fatal("epoch did not grow")
		}
		cases := []struct {
			name   string
			client string
			iat    time.Time
			want   bool
		}{
			{"issued before", "conf-c2", cut.Add(-time.Second), true},
			{"issued at the cut-off", "conf-c2", cut, true},
			{"issued after", "conf-c2", cut.Add(time.Second), false},
			{"another client", "conf-c3", cut.Add(-time.Second), false},
		}
		for _, c := range cases {
			if got := denied(t, s, "conf-jti-client-"+c.name, c.client, c.iat); got != c.want {
				t.Errorf("%s: denied = %v, want %v", c.name, got, c.want)
			}
		}
	})
	t.Run("client cut-off only moves later", func(t *testing.T) {
		cut := now.Add(time.Minute)
		mustNoErr(t, s.DenyClientTokens(ctx(t), "conf-c4", cut, now.Add(time.Hour)), "deny client")
		mustNoErr(t, s.DenyClientTokens(ctx(t), "conf-c4", now, now.Add(time.Hour)), "earlier cut-off")
		if !denied(t, s, "conf-jti-c4", "conf-c4", cut.Add(-time.Second)) {
			t.Fatal("earlier cut-off replaced a later one")
		}
	})
}

func testPurge(t *testing.T, s authstore.Revocations) {
	t.Run("purge forgets only what expired and keeps the epoch", func(t *testing.T) {
		far := now.Add(24 * time.Hour)
		mustNoErr(t, s.DenyToken(ctx(t), "conf-purge-old", now.Add(-time.Hour)), "deny old")
		mustNoErr(t, s.DenyToken(ctx(t), "conf-purge-new", far.Add(time.Hour)), "deny new")
		mustNoErr(t, s.DenyClientTokens(ctx(t), "conf-purge-client", now, now.Add(-time.Hour)), "deny client")
		before := epoch(t, s)
		n, err := s.PurgeRevocations(ctx(t), now)
		mustNoErr(t, err, "purge")
		if n < 2 {
			t.Fatalf("purged %d entries, want at least 2", n)
		}
		if epoch(t, s) != before {
			t.Fatal("purge changed the epoch")
		}
		if denied(t, s, "conf-purge-old", "x", now) {
			t.Fatal("expired jti survived the purge")
		}
		if denied(t, s, "y", "conf-purge-client", now.Add(-time.Minute)) {
			t.Fatal("expired client cut-off survived the purge")
		}
		if !denied(t, s, "conf-purge-new", "x", now) {
			t.Fatal("live jti was purged")
		}
	})
	t.Run("denying again with a later expiry keeps the entry until then", func(t *testing.T) {
		mustNoErr(t, s.DenyToken(ctx(t), "conf-extend", now.Add(time.Minute)), "deny")
		mustNoErr(t, s.DenyToken(ctx(t), "conf-extend", now.Add(48*time.Hour)), "deny again")
		_, err := s.PurgeRevocations(ctx(t), now.Add(time.Hour))
		mustNoErr(t, err, "purge")
		if !denied(t, s, "conf-extend", "x", now) {
			t.Fatal("extended entry was purged at its first expiry")
		}
	})
}
