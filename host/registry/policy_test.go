package registry_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/registry"
)

// TestSignaturePolicy checks that a publisher requiring signatures gets
// only bundles signed by a key an admin trusts for it.
func TestSignaturePolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	trusted, untrusted := newKey(t), newKey(t)

	e.submit(e.manifest) // unsigned, before the requirement
	must(t, e.reg.RequireSignature(ctx, "saa", true, admin))
	must(t, e.reg.TrustKey(ctx, "saa", trusted.Public().(ed25519.PublicKey), admin))

	cases := []struct {
		name    string
		version string
		key     ed25519.PrivateKey
		want    error
	}{
		{"unsigned refused", "1.1.0", nil, registry.ErrSignatureRequired},
		{"untrusted key refused", "1.2.0", untrusted, registry.ErrSignatureRequired},
		{"trusted key accepted", "1.3.0", trusted, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := e.reg.Submit(ctx, e.pack(e.variant(tc.version), tc.key), "client:pub")
			if !errors.Is(err, tc.want) {
				t.Fatalf("Submit = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				want := registry.Signature{Signed: true, KeyID: bundle.KeyID(trusted.Public().(ed25519.PublicKey)), Valid: true, Trusted: true}
				if v.Signature != want {
					t.Errorf("signature = %+v, want %+v", v.Signature, want)
				}
			}
		})
	}
	t.Run("unsigned version pending before the rule cannot be approved", func(t *testing.T) {
		if err := e.reg.Approve(ctx, "echo", "1.0.0", admin); !errors.Is(err, registry.ErrSignatureRequired) {
			t.Fatalf("Approve = %v, want ErrSignatureRequired", err)
		}
	})
	t.Run("publishers list keys", func(t *testing.T) {
		must(t, e.reg.TrustKey(ctx, "saa", trusted.Public().(ed25519.PublicKey), admin)) // again: no duplicate
		pubs, err := e.reg.Publishers(ctx)
		must(t, err)
		if len(pubs) != 1 || pubs[0].Name != "saa" || !pubs[0].RequireSignature || len(pubs[0].Keys) != 1 {
			t.Errorf("publishers = %+v", pubs)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if err := e.reg.TrustKey(ctx, "saa", []byte("short"), admin); !errors.Is(err, registry.ErrInvalidInput) {
			t.Errorf("short key: %v", err)
		}
		if err := e.reg.RequireSignature(ctx, "Not A Name", true, admin); !errors.Is(err, registry.ErrInvalidInput) {
			t.Errorf("bad publisher: %v", err)
		}
	})
}

// TestSubmitRefusals checks what Submit refuses besides signatures.
func TestSubmitRefusals(t *testing.T) {
	e := newEnv(t, "github")
	ctx := context.Background()
	e.submit(e.manifest)
	small, err := registry.New(registry.Config{Store: e.rt.DB().Registry(), Runtime: e.rt, MaxBundleBytes: 1024, Logger: quiet})
	must(t, err)
	cases := []struct {
		name    string
		reg     *registry.Registry
		bundle  []byte
		want    error
		message string
	}{
		{"same version again", e.reg, e.pack(e.manifest, nil), registry.ErrConflict, "version 1.0.0 exists"},
		{"shadows a local plugin", e.reg, e.pack(e.variant("1.0.0", "name: echo", "name: github"), nil), registry.ErrConflict, "local plugin"},
		{"reserved name", e.reg, e.packRaw(e.variant("1.0.0", "name: echo", "name: plugins")), registry.ErrInvalidBundle, "reserved"},
		{"semantic scope namespace", e.reg, e.packRaw(e.variant("1.0.0", "name: echo", "name: semantic")), registry.ErrInvalidBundle, "reserved"},
		{"the LLM key namespace", e.reg, e.packRaw(e.variant("1.0.0", "name: echo", "name: llm")), registry.ErrInvalidBundle, "reserved"},
		{"another publisher's name", e.reg, e.pack(e.variant("1.1.0", "publisher: saa", "publisher: mallory"), nil), registry.ErrConflict, `belongs to publisher "saa"`},
		{"publisher look-alike", e.reg, e.pack(e.variant("1.1.0", "publisher: saa", "publisher: \"SAA \""), nil), registry.ErrInvalidBundle, "publisher"},
		{"bad bundle", e.reg, []byte("not a bundle"), registry.ErrInvalidBundle, "not a gzip"},
		{"too large", small, e.pack(e.variant("1.1.0"), nil), registry.ErrTooLarge, "limit 1024"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.reg.Submit(ctx, tc.bundle, "client:pub")
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("Submit = %v, want %v saying %q", err, tc.want, tc.message)
			}
		})
	}
	t.Run("pending versions are bounded", func(t *testing.T) {
		var err error
		for i := 1; i <= 10 && err == nil; i++ {
			_, err = e.reg.Submit(ctx, e.pack(e.variant(fmt.Sprintf("2.0.%d", i)), nil), "client:pub")
		}
		if !errors.Is(err, registry.ErrConflict) || !strings.Contains(err.Error(), "pending") {
			t.Fatalf("11th pending version: %v, want ErrConflict", err)
		}
	})
}
