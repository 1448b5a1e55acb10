package bundle_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
)

// wasmHeader is the wasm magic and version; the bundle checks no more.
var wasmHeader = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// fakeWasm returns a "module" of the header and n filler bytes.
func fakeWasm(n int) []byte {
	return append(bytes.Clone(wasmHeader), bytes.Repeat([]byte{0x2a}, n)...)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

const manifestTemplate = `name: demo
version: 1.0.0
publisher: acme
description: A test plugin.
wasm:
  path: plugin.wasm
  sha256: "SHA"
egress:
  - https://api.example.com
actions:
  - name: run
    description: Run it.
    scopes: [call]
    effect: read
    input: { type: object }
    output: { type: object }
`

// manifestFor returns a valid manifest pinning wasm.
func manifestFor(wasm []byte) []byte {
	return []byte(strings.Replace(manifestTemplate, "SHA", sha(wasm), 1))
}

// sample returns a valid unsigned bundle.
func sample(t testing.TB) *bundle.Bundle {
	t.Helper()
	wasm := fakeWasm(64)
	b, err := bundle.FromParts(bundle.ManifestYAML, manifestFor(wasm), wasm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pack(t testing.TB, b *bundle.Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := b.Pack(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// entry is one raw tar entry for hostile archives.
type entry struct {
	hdr  tar.Header
	data []byte
}

func file(name string, data []byte) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644}, data: data}
}

func special(name string, typ byte, link string) entry {
	return entry{hdr: tar.Header{Typeflag: typ, Name: name, Linkname: link, Mode: 0o644}}
}

// rawTar writes entries as an uncompressed tar, then appends tail.
func rawTar(t testing.TB, tail []byte, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := e.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return append(buf.Bytes(), tail...)
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archive gzips a tar of entries.
func archive(t testing.TB, entries ...entry) []byte {
	t.Helper()
	return gz(t, rawTar(t, nil, entries...))
}
