package auth_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
)

func TestRevokedTokenIsRefusedAtOnceEverywhere(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient("echo:call")
	tok := e.token(c, "echo:call")
	first, second := e.srv.Verifier(), e.srv.NewVerifier()
	for _, v := range []*auth.Verifier{first, second} { // warm both caches
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.postForm(auth.RevokePath, c, url.Values{"token": {tok}, "token_type_hint": {"access_token"}}); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	for name, v := range map[string]*auth.Verifier{"server verifier": first, "second verifier": second} {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(t.Context(), tok); !errors.Is(err, auth.ErrTokenRevoked) {
				t.Fatalf("Verify = %v, want ErrTokenRevoked", err)
			}
		})
	}
	t.Run("over HTTP", func(t *testing.T) {
		if r := e.callEcho(tok); r.status != 401 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("a fresh token of the same client still works", func(t *testing.T) {
		if r := e.callEcho(e.token(c, "echo:call")); r.status != 200 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
	})
	t.Run("revoking again is fine", func(t *testing.T) {
		if r := e.postForm(auth.RevokePath, c, url.Values{"token": {tok}}); r.status != 200 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
	})
}

func TestClientCannotRevokeAnotherClientsToken(t *testing.T) {
	e := newTestEnv(t)
	owner, other := e.newClient("echo:call"), e.newClient("echo:call")
	tok := e.token(owner, "echo:call")
	r := e.postForm(auth.RevokePath, other, url.Values{"token": {tok}})
	if r.status != 200 {
		t.Fatalf("revoke answered %d; RFC 7009 wants 200 without effect", r.status)
	}
	if r := e.callEcho(tok); r.status != 200 {
		t.Fatalf("another client revoked the token: %d", r.status)
	}
	if _, err := e.srv.NewVerifier().Verify(t.Context(), tok); err != nil {
		t.Fatalf("fresh verifier: %v", err)
	}
}

func TestRevocationRequests(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient("echo:call")
	tests := []struct {
		name   string
		client client
		form   url.Values
		want   int
	}{
		{"garbage token", c, url.Values{"token": {"garbage"}}, 200},
		{"no credentials", client{}, url.Values{"token": {"garbage"}}, 401},
		{"wrong secret", client{c.id, "nope"}, url.Values{"token": {"garbage"}}, 401},
		{"empty body", c, url.Values{}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.postForm(auth.RevokePath, tt.client, tt.form); r.status != tt.want {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.want)
			}
		})
	}
}

func TestClientChangesVoidTokens(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name   string
		change func(id string) error
	}{
		{"disable", func(id string) error { _, err := e.srv.Clients().Disable(t.Context(), id); return err }},
		{"delete", func(id string) error { return e.srv.Clients().Delete(t.Context(), id) }},
		{"narrow scopes", func(id string) error {
			_, err := e.srv.Clients().UpdateScopes(t.Context(), id, []string{"other:call"})
			return err
		}},
		{"rotate secret", func(id string) error { _, _, err := e.srv.Clients().RotateSecret(t.Context(), id); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.newClient("echo:call", "other:call")
			tok := e.token(c, "echo:call")
			if r := e.callEcho(tok); r.status != 200 {
				t.Fatalf("before: %d", r.status)
			}
			if err := tt.change(c.id); err != nil {
				t.Fatal(err)
			}
			if r := e.callEcho(tok); r.status != 401 {
				t.Fatalf("after %s the old token still works: %d", tt.name, r.status)
			}
		})
	}
	t.Run("widening scopes keeps tokens", func(t *testing.T) {
		c := e.newClient("echo:call")
		tok := e.token(c, "echo:call")
		if _, err := e.srv.Clients().UpdateScopes(t.Context(), c.id, []string{"echo:call", "more:call"}); err != nil {
			t.Fatal(err)
		}
		if r := e.callEcho(tok); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("re-enabled client gets working tokens at once", func(t *testing.T) {
		c := e.newClient("echo:call")
		if _, err := e.srv.Clients().Disable(t.Context(), c.id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.srv.Clients().Enable(t.Context(), c.id); err != nil {
			t.Fatal(err)
		}
		if r := e.callEcho(e.token(c, "echo:call")); r.status != 200 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
	})
}

func TestRevocationsArePurgedOnceExpired(t *testing.T) {
	clk := newClock()
	e := newTestEnvClock(t, clk.now)
	c := e.newClient("echo:call")
	old := e.token(c, "echo:call")
	_, claims := decodeJWT(t, old)
	jti := claims["jti"].(string)
	if r := e.postForm(auth.RevokePath, c, url.Values{"token": {old}}); r.status != 200 {
		t.Fatalf("revoke: %d", r.status)
	}
	clk.advance(time.Hour) // past the token's life and the purge interval
	if r := e.postForm(auth.RevokePath, c, url.Values{"token": {e.token(c, "echo:call")}}); r.status != 200 {
		t.Fatalf("second revoke: %d", r.status)
	}
	st, _, err := e.db.Auth().TokenStatus(t.Context(), jti, "")
	if err != nil || st.Denied {
		t.Fatalf("expired revocation survived: denied=%v err=%v", st.Denied, err)
	}
}
