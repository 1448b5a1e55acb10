package bundle_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
)

func TestRoundTrip(t *testing.T) {
	wasm := fakeWasm(4096)
	yaml := manifestFor(wasm)
	json := []byte(`{"name":"demo","version":"1.0.0","publisher":"acme","description":"d",` +
		`"wasm":{"path":"plugin.wasm","sha256":"` + sha(wasm) + `"},` +
		`"actions":[{"name":"run","description":"r","scopes":["call"],"effect":"read","input":{"type":"object"},"output":{"type":"object"}}]}`)
	cases := []struct {
		name     string
		manifest string
		raw      []byte
		signed   bool
	}{
		{"yaml unsigned", bundle.ManifestYAML, yaml, false},
		{"yaml signed", bundle.ManifestYAML, yaml, true},
		{"json signed", bundle.ManifestJSON, json, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := bundle.FromParts(tc.manifest, tc.raw, wasm)
			if err != nil {
				t.Fatal(err)
			}
			if tc.signed {
				in.Sign(newKey(t))
			}
			data := pack(t, in)
			if again := pack(t, in); !bytes.Equal(data, again) {
				t.Error("packing twice gave different bytes")
			}
			out, err := bundle.Parse(data, bundle.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if out.ManifestName != tc.manifest || !bytes.Equal(out.ManifestRaw, tc.raw) || !bytes.Equal(out.Wasm, wasm) {
				t.Errorf("parsed %s with %d manifest and %d wasm bytes", out.ManifestName, len(out.ManifestRaw), len(out.Wasm))
			}
			if out.Manifest.Name != "demo" || out.Manifest.Wasm.SHA256 != sha(wasm) {
				t.Errorf("manifest = %s %s", out.Manifest.Name, out.Manifest.Wasm.SHA256)
			}
			if (out.Signature != nil) != tc.signed {
				t.Fatalf("signature = %v, want signed %v", out.Signature, tc.signed)
			}
			if tc.signed && out.Signature.KeyID != in.Signature.KeyID {
				t.Errorf("key id = %s, want %s", out.Signature.KeyID, in.Signature.KeyID)
			}
		})
	}
}

func TestMessageIsDomainSeparated(t *testing.T) {
	got := string(bundle.Message([]byte("m"), "abc"))
	want := "saa-plugin-bundle-v1\n" + sha([]byte("m")) + "\nabc"
	if got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
}

func TestKeyID(t *testing.T) {
	priv := newKey(t)
	id := bundle.KeyID(priv.Public().(ed25519.PublicKey))
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("KeyID = %q, want 32 lowercase hex digits", id)
	}
}

func TestPackRefusesOtherManifestNames(t *testing.T) {
	b := sample(t)
	b.ManifestName = "../manifest.yaml"
	if err := b.Pack(new(bytes.Buffer)); err == nil {
		t.Error("Pack accepted a manifest name that is not manifest.yaml or .json")
	}
}

func TestErrorsAreInvalid(t *testing.T) {
	_, err := bundle.Parse([]byte("nope"), bundle.Limits{})
	if !errors.Is(err, bundle.ErrInvalid) || !errors.Is(err, bundle.ErrNotArchive) {
		t.Fatalf("err = %v", err)
	}
	var be *bundle.Error
	if !errors.As(err, &be) || be.Kind != bundle.ErrNotArchive {
		t.Fatalf("err = %#v, want *bundle.Error of kind ErrNotArchive", err)
	}
}
