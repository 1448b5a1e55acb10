package bundle_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
)

func TestSignatures(t *testing.T) {
	key, other := newKey(t), newKey(t)
	signed := func(t *testing.T) *bundle.Bundle {
		b := sample(t)
		b.Sign(key)
		return b
	}
	sigEntry := func(keyID string, pub, sig []byte) []byte {
		return []byte(`{"key_id":"` + keyID + `","public_key":"` + base64.StdEncoding.EncodeToString(pub) +
			`","signature":"` + base64.StdEncoding.EncodeToString(sig) + `"}`)
	}
	otherPub := other.Public().(ed25519.PublicKey)
	cases := []struct {
		name    string
		data    func(t *testing.T) []byte
		want    error
		message string
	}{
		{"valid", func(t *testing.T) []byte { return pack(t, signed(t)) }, nil, ""},
		{"tampered manifest", func(t *testing.T) []byte {
			b := signed(t)
			tampered, err := bundle.FromParts(bundle.ManifestYAML, []byte(strings.Replace(string(b.ManifestRaw), "A test plugin.", "Harmless.", 1)), b.Wasm)
			if err != nil {
				t.Fatal(err)
			}
			tampered.Signature = b.Signature
			return pack(t, tampered)
		}, bundle.ErrBadSignature, "does not verify"},
		{"tampered wasm with its hash", func(t *testing.T) []byte {
			b := signed(t)
			wasm := fakeWasm(99)
			tampered, err := bundle.FromParts(bundle.ManifestYAML, manifestFor(wasm), wasm)
			if err != nil {
				t.Fatal(err)
			}
			tampered.Signature = b.Signature
			return pack(t, tampered)
		}, bundle.ErrBadSignature, "does not verify"},
		{"tampered wasm alone", func(t *testing.T) []byte {
			b := signed(t)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, fakeWasm(99)), file(bundle.SignatureEntry, sigEntry(b.Signature.KeyID, b.Signature.PublicKey, b.Signature.Value)))
		}, bundle.ErrHashMismatch, "sha256 mismatch"},
		{"wrong key", func(t *testing.T) []byte {
			b := signed(t)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, b.Wasm), file(bundle.SignatureEntry, sigEntry(bundle.KeyID(otherPub), otherPub, b.Signature.Value)))
		}, bundle.ErrBadSignature, "does not verify"},
		{"invalid signature bytes", func(t *testing.T) []byte {
			b := signed(t)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, b.Wasm), file(bundle.SignatureEntry, sigEntry(b.Signature.KeyID, b.Signature.PublicKey, make([]byte, 64))))
		}, bundle.ErrBadSignature, "does not verify"},
		{"key id of another key", func(t *testing.T) []byte {
			b := signed(t)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, b.Wasm), file(bundle.SignatureEntry, sigEntry(bundle.KeyID(otherPub), b.Signature.PublicKey, b.Signature.Value)))
		}, bundle.ErrBadSignature, "key_id does not match"},
		{"short key", func(t *testing.T) []byte {
			b := signed(t)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, b.Wasm), file(bundle.SignatureEntry, sigEntry(b.Signature.KeyID, b.Signature.PublicKey[:16], b.Signature.Value)))
		}, bundle.ErrBadSignature, "public_key must be"},
		{"unknown field", func(t *testing.T) []byte {
			b := signed(t)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, b.Wasm), file(bundle.SignatureEntry, []byte(`{"alg":"none"}`)))
		}, bundle.ErrBadSignature, "not the expected JSON"},
		{"trailing data", func(t *testing.T) []byte {
			b := signed(t)
			e := append(sigEntry(b.Signature.KeyID, b.Signature.PublicKey, b.Signature.Value), "{}"...)
			return archive(t, file(bundle.ManifestYAML, b.ManifestRaw), file(bundle.WasmEntry, b.Wasm), file(bundle.SignatureEntry, e))
		}, bundle.ErrBadSignature, "data after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bundle.Parse(tc.data(t), bundle.Limits{})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if b.Signature == nil || !b.Signature.PublicKey.Equal(key.Public()) {
					t.Fatalf("signature = %+v, want one by the signing key", b.Signature)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v; want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
		})
	}
}
