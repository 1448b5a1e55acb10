package bundle_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
)

// FuzzParseBundle checks that Parse never panics, refuses with ErrInvalid,
// and that whatever it accepts packs and parses back to the same bundle.
func FuzzParseBundle(f *testing.F) {
	b := sample(f)
	f.Add(pack(f, b))
	b.Sign(newKey(f))
	f.Add(pack(f, b))
	f.Add(archive(f, file("../x", nil)))
	f.Add(archive(f, file(bundle.ManifestYAML, b.ManifestRaw)))
	f.Add(rawTar(f, nil, file(bundle.WasmEntry, b.Wasm)))
	f.Add([]byte{0x1f, 0x8b, 0x08})
	lim := bundle.Limits{MaxBundle: 1 << 20, MaxManifest: 64 << 10, MaxWasm: 256 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := bundle.Parse(data, lim)
		if err != nil {
			if !errors.Is(err, bundle.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := got.Pack(&buf); err != nil {
			t.Fatal(err)
		}
		again, err := bundle.Parse(buf.Bytes(), lim)
		if err != nil {
			t.Fatalf("repacked bundle refused: %v", err)
		}
		if !bytes.Equal(again.ManifestRaw, got.ManifestRaw) || !bytes.Equal(again.Wasm, got.Wasm) ||
			(again.Signature == nil) != (got.Signature == nil) {
			t.Fatal("repacked bundle differs")
		}
	})
}
