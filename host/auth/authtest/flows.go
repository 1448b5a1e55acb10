package authtest

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// FlowStore is a backend of the authorization code flow.
type FlowStore interface {
	authstore.Store
	authstore.Flows
}

// TestFlows checks that s behaves as the authstore.Flows contracts say,
// atomic compare-and-swaps included. Like TestStorage it uses keys of its own.
func TestFlows(t *testing.T, s FlowStore) {
	t.Helper()
	t.Run("client redirect URIs and public flag round-trip", func(t *testing.T) { testClientFlowFields(t, s) })
	t.Run("grants", func(t *testing.T) { testGrants(t, s) })
	t.Run("codes", func(t *testing.T) { testCodes(t, s) })
	t.Run("refresh families", func(t *testing.T) { testFamilies(t, s) })
	t.Run("revoking a grant revokes its families", func(t *testing.T) { testGrantRevokesFamilies(t, s) })
}

func testClientFlowFields(t *testing.T, s FlowStore) {
	c := sampleClient("conf-flow-client")
	c.RedirectURIs = []string{"https://app.example/cb", "http://127.0.0.1/cb"}
	c.Public = true
	c.SecretHash = nil
	mustNoErr(t, s.CreateClient(ctx(t), c), "create")
	got, err := s.GetClient(ctx(t), c.ID)
	mustNoErr(t, err, "get")
	if !slices.Equal(got.RedirectURIs, c.RedirectURIs) || !got.Public {
		t.Fatalf("got %+v, want redirect URIs %v and public", got, c.RedirectURIs)
	}
}

func testGrants(t *testing.T, s FlowStore) {
	t.Run("put, get, list; revoke bumps generation and epoch; re-consent keeps it", func(t *testing.T) {
		_, err := s.GetGrant(ctx(t), "conf-alice", "conf-agent")
		wantErr(t, err, authstore.ErrNotFound, "get before consent")
		_, err = s.RevokeGrant(ctx(t), "conf-alice", "conf-agent", now)
		wantErr(t, err, authstore.ErrNotFound, "revoke before consent")
		g, err := s.PutGrant(ctx(t), "conf-alice", "conf-agent", []string{"echo:call"}, now)
		mustNoErr(t, err, "put")
		if g.Generation != 0 || g.Revoked || !g.CreatedAt.Equal(now) {
			t.Fatalf("fresh grant = %+v", g)
		}
		_, err = s.PutGrant(ctx(t), "conf-alice", "conf-other", []string{"echo:call"}, now)
		mustNoErr(t, err, "put other")
		_, err = s.PutGrant(ctx(t), "conf-alice2", "conf-agent", []string{"echo:call"}, now)
		mustNoErr(t, err, "put for a user whose name extends alice's")
		list, err := s.ListGrants(ctx(t), "conf-alice")
		mustNoErr(t, err, "list")
		if len(list) != 2 || list[0].ClientID != "conf-agent" || list[1].ClientID != "conf-other" {
			t.Fatalf("list = %+v, want conf-agent and conf-other only", list)
		}
		before := epoch(t, s)
		g, err = s.RevokeGrant(ctx(t), "conf-alice", "conf-agent", now.Add(time.Minute))
		mustNoErr(t, err, "revoke")
		if !g.Revoked || g.Generation != 1 {
			t.Fatalf("revoked grant = %+v, want revoked at generation 1", g)
		}
		if after := epoch(t, s); after <= before {
			t.Fatalf("epoch %d -> %d, want growth", before, after)
		}
		got, err := s.GetGrant(ctx(t), "conf-alice", "conf-agent")
		mustNoErr(t, err, "get revoked")
		if !got.Revoked || got.Generation != 1 {
			t.Fatalf("get revoked = %+v", got)
		}
		list, _ = s.ListGrants(ctx(t), "conf-alice")
		if len(list) != 1 {
			t.Fatalf("list after revoke = %+v, want one", list)
		}
		g, err = s.PutGrant(ctx(t), "conf-alice", "conf-agent", []string{"echo:call", "tickets:read"}, now)
		mustNoErr(t, err, "re-consent")
		if g.Revoked || g.Generation != 1 || !slices.Equal(g.Scopes, []string{"echo:call", "tickets:read"}) {
			t.Fatalf("re-consented grant = %+v, want generation 1 kept", g)
		}
	})
}

func testCodes(t *testing.T, s FlowStore) {
	code := authstore.Code{Signature: "conf-code-1", Family: "conf-fam-code", Request: []byte(`{"a":1}`), ExpiresAt: now.Add(10 * time.Minute)}
	mustNoErr(t, s.CreateCode(ctx(t), code), "create")
	wantErr(t, s.CreateCode(ctx(t), code), authstore.ErrExists, "create twice")
	got, err := s.GetCode(ctx(t), code.Signature)
	mustNoErr(t, err, "get")
	if got.Family != code.Family || string(got.Request) != string(code.Request) || !got.ExpiresAt.Equal(code.ExpiresAt) || got.Used {
		t.Fatalf("got %+v, want %+v", got, code)
	}
	_, err = s.GetCode(ctx(t), "conf-code-missing")
	wantErr(t, err, authstore.ErrNotFound, "get missing")
	wantErr(t, s.UseCode(ctx(t), "conf-code-missing"), authstore.ErrNotFound, "use missing")

	// Of many concurrent redemptions exactly one wins.
	var wins atomic.Int32
	_ = parallelUpdates(16, func(int) error {
		err := s.UseCode(ctx(t), code.Signature)
		if err == nil {
			wins.Add(1)
			return nil
		}
		wantErr(t, err, authstore.ErrUsed, "losing redemption")
		return nil
	})
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent redemptions won, want exactly 1", wins.Load())
	}
	got, _ = s.GetCode(ctx(t), code.Signature)
	if !got.Used {
		t.Fatal("used code reads as unused")
	}
}

func testFamilies(t *testing.T, s FlowStore) {
	const fam = "conf-fam-1"
	exp := now.Add(time.Hour)
	rt := authstore.RefreshToken{Signature: "conf-rt-1", Family: fam, Request: []byte("r"), ExpiresAt: now.Add(24 * time.Hour)}
	wantErr(t, s.CreateRefreshToken(ctx(t), rt), authstore.ErrNotFound, "refresh token before the family exists")
	mustNoErr(t, s.AddAccessToken(ctx(t), fam, "conf-bob", "conf-agent", "conf-fam-jti-1", exp), "add access token")
	mustNoErr(t, s.CreateRefreshToken(ctx(t), rt), "create refresh token")
	wantErr(t, s.CreateRefreshToken(ctx(t), rt), authstore.ErrExists, "create twice")
	got, err := s.GetRefreshToken(ctx(t), rt.Signature)
	mustNoErr(t, err, "get")
	if !got.Active || got.Family != fam || string(got.Request) != "r" || !got.ExpiresAt.Equal(rt.ExpiresAt) {
		t.Fatalf("got %+v", got)
	}

	var wins atomic.Int32
	_ = parallelUpdates(16, func(int) error {
		err := s.RotateRefreshToken(ctx(t), rt.Signature)
		if err == nil {
			wins.Add(1)
			return nil
		}
		wantErr(t, err, authstore.ErrUsed, "losing rotation")
		return nil
	})
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent rotations won, want exactly 1", wins.Load())
	}
	rt2 := authstore.RefreshToken{Signature: "conf-rt-2", Family: fam, Request: []byte("r2"), ExpiresAt: rt.ExpiresAt}
	mustNoErr(t, s.CreateRefreshToken(ctx(t), rt2), "create second")
	mustNoErr(t, s.AddAccessToken(ctx(t), fam, "conf-bob", "conf-agent", "conf-fam-jti-2", exp), "add second access token")

	before := epoch(t, s)
	mustNoErr(t, s.RevokeFamily(ctx(t), fam), "revoke family")
	if after := epoch(t, s); after <= before {
		t.Fatalf("epoch %d -> %d, want growth", before, after)
	}
	for _, jti := range []string{"conf-fam-jti-1", "conf-fam-jti-2"} {
		if !denied(t, s, jti) {
			t.Fatalf("%s of the revoked family is not denied", jti)
		}
	}
	got, _ = s.GetRefreshToken(ctx(t), rt2.Signature)
	if got.Active {
		t.Fatal("refresh token of a revoked family is still active")
	}
	wantErr(t, s.RotateRefreshToken(ctx(t), rt2.Signature), authstore.ErrUsed, "rotate after revoke")
	err = s.AddAccessToken(ctx(t), fam, "conf-bob", "conf-agent", "conf-fam-jti-3", exp)
	wantErr(t, err, authstore.ErrFamilyRevoked, "add to revoked family")
	if !denied(t, s, "conf-fam-jti-3") {
		t.Fatal("a token minted for a revoked family is not denied")
	}
	wantErr(t, s.CreateRefreshToken(ctx(t), authstore.RefreshToken{Signature: "conf-rt-3", Family: fam}), authstore.ErrFamilyRevoked, "refresh in revoked family")
	wantErr(t, s.RevokeFamily(ctx(t), "conf-fam-missing"), authstore.ErrNotFound, "revoke missing family")
}

func testGrantRevokesFamilies(t *testing.T, s FlowStore) {
	exp := now.Add(time.Hour)
	_, err := s.PutGrant(ctx(t), "conf-carol", "conf-agent", []string{"echo:call"}, now)
	mustNoErr(t, err, "put")
	mustNoErr(t, s.AddAccessToken(ctx(t), "conf-fam-carol-a", "conf-carol", "conf-agent", "conf-carol-jti-a", exp), "add a")
	mustNoErr(t, s.AddAccessToken(ctx(t), "conf-fam-carol-b", "conf-carol", "conf-agent", "conf-carol-jti-b", exp), "add b")
	mustNoErr(t, s.AddAccessToken(ctx(t), "conf-fam-carol-c", "conf-carol", "conf-other", "conf-carol-jti-c", exp), "add c")
	mustNoErr(t, s.CreateRefreshToken(ctx(t), authstore.RefreshToken{Signature: "conf-carol-rt", Family: "conf-fam-carol-a", ExpiresAt: exp}), "refresh")
	_, err = s.RevokeGrant(ctx(t), "conf-carol", "conf-agent", now)
	mustNoErr(t, err, "revoke grant")
	if !denied(t, s, "conf-carol-jti-a") || !denied(t, s, "conf-carol-jti-b") {
		t.Fatal("tokens of the revoked grant are not denied")
	}
	if denied(t, s, "conf-carol-jti-c") {
		t.Fatal("a token of another client's grant was denied")
	}
	got, _ := s.GetRefreshToken(ctx(t), "conf-carol-rt")
	if got.Active {
		t.Fatal("refresh token of the revoked grant is still active")
	}
}
