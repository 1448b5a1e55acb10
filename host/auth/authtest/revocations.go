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
	st, _, err := s.TokenStatus(ctx(t), jti, "")
	mustNoErr(t, err, "token status")
	return st.Denied
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
		st, e, err := s.TokenStatus(ctx(t), "conf-jti-1", "")
		mustNoErr(t, err, "token status")
		if !st.Denied || e != after {
			t.Fatalf("denied = %v at epoch %d, want true at %d", st.Denied, e, after)
		}
		if denied(t, s, "conf-jti-2") {
			t.Fatal("another jti reported denied")
		}
	})
	testPurge(t, s)
}

// testClientEpoch checks that every change of a client is seen by a
// verifier's next epoch read (a token cached as good must be checked again)
// and by TokenStatus.
func testClientEpoch(t *testing.T, s authstore.Store) {
	c := sampleClient("conf-epoch")
	mustNoErr(t, s.CreateClient(ctx(t), c), "create")
	wantState(t, s, c.ID, authstore.TokenStatus{ClientFound: true, ClientStatus: authstore.ClientActive})
	steps := []struct {
		name   string
		change func() error
		want   authstore.TokenStatus
	}{
		{"new generation", func() error {
			_, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error { c.Generation = 3; return nil })
			return err
		}, authstore.TokenStatus{ClientFound: true, ClientStatus: authstore.ClientActive, ClientGeneration: 3}},
		{"disable", func() error {
			_, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error { c.Status = authstore.ClientDisabled; return nil })
			return err
		}, authstore.TokenStatus{ClientFound: true, ClientStatus: authstore.ClientDisabled, ClientGeneration: 3}},
		{"delete", func() error { return s.DeleteClient(ctx(t), c.ID) }, authstore.TokenStatus{}},
	}
	for _, step := range steps {
		before := epoch(t, s)
		mustNoErr(t, step.change(), step.name)
		if after := epoch(t, s); after <= before {
			t.Fatalf("%s: epoch %d -> %d, want growth", step.name, before, after)
		}
		wantState(t, s, c.ID, step.want)
	}
	wantState(t, s, "conf-never-existed", authstore.TokenStatus{})
}

func wantState(t *testing.T, s authstore.Revocations, clientID string, want authstore.TokenStatus) {
	t.Helper()
	got, _, err := s.TokenStatus(ctx(t), "conf-no-such-jti", clientID)
	mustNoErr(t, err, "token status")
	if got != want {
		t.Fatalf("client %s: status %+v, want %+v", clientID, got, want)
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
