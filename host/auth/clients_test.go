package auth_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

func TestClientsService(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	cs := e.srv.Clients()
	c, secret, err := cs.Create(ctx, "agent", []string{"echo:call", "echo:call", "introspect"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("secret has at least 256 bits", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "saa_cs_"))
		if err != nil || len(raw) < 32 {
			t.Fatalf("secret %d bytes, err %v", len(raw), err)
		}
	})
	t.Run("scopes are deduplicated and kept in order", func(t *testing.T) {
		if !slices.Equal(c.Scopes, []string{"echo:call", "introspect"}) || c.Status != "active" || c.CreatedAt.IsZero() {
			t.Fatalf("client = %+v", c)
		}
	})
	t.Run("get and list never show the secret", func(t *testing.T) {
		got, err := cs.Get(ctx, c.ID)
		if err != nil || got.ID != c.ID {
			t.Fatalf("get = %+v, %v", got, err)
		}
		all, err := cs.List(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("list = %+v, %v", all, err)
		}
	})
	t.Run("rotation sets rotated_at and returns a new secret", func(t *testing.T) {
		got, s2, err := cs.RotateSecret(ctx, c.ID)
		if err != nil || s2 == secret || got.RotatedAt.IsZero() {
			t.Fatalf("rotate = %+v, %v", got, err)
		}
	})
	t.Run("status", func(t *testing.T) {
		if got, err := cs.SetStatus(ctx, c.ID, "disabled"); err != nil || got.Status != "disabled" {
			t.Fatalf("disable = %+v, %v", got, err)
		}
		if _, err := cs.SetStatus(ctx, c.ID, "paused"); !errors.Is(err, auth.ErrInvalidInput) {
			t.Fatalf("bad status = %v", err)
		}
	})
	t.Run("missing client", func(t *testing.T) {
		if _, err := cs.Get(ctx, "nope"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("get = %v", err)
		}
		if err := cs.Delete(ctx, "nope"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("delete = %v", err)
		}
		if _, err := cs.UpdateScopes(ctx, "nope", []string{"a"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("update = %v", err)
		}
	})
}

func TestClientInputValidation(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name   string
		cname  string
		scopes []string
	}{
		{"empty name", "", []string{"a"}},
		{"control character in name", "a\nb", []string{"a"}},
		{"no scopes", "n", nil},
		{"empty scope", "n", []string{""}},
		{"space in scope", "n", []string{"a b"}},
		{"quote in scope", "n", []string{`a"b`}},
		{"non-ASCII scope", "n", []string{"é"}},
		{"overlong scope", "n", []string{strings.Repeat("a", 201)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := e.srv.Clients().Create(t.Context(), tt.cname, tt.scopes); !errors.Is(err, auth.ErrInvalidInput) {
				t.Fatalf("Create = %v, want ErrInvalidInput", err)
			}
		})
	}
}
