package bundle

import (
	"github.com/secure-agent/saa/manifests"
)

// The names of the entries a bundle may hold.
const (
	ManifestYAML   = "manifest.yaml"
	ManifestJSON   = "manifest.json"
	WasmEntry      = "plugin.wasm"
	SignatureEntry = "signature"
)

// Default bounds of Parse; see Limits.
const (
	DefaultMaxBundle   = 32 << 20
	DefaultMaxManifest = manifests.MaxManifestSize
	DefaultMaxWasm     = manifests.DefaultMaxWasmSize
	DefaultMaxRatio    = 100
	// maxSignature bounds the signature entry, whose valid form is ~200 bytes.
	maxSignature = 4 << 10
	// maxEntries is one manifest, the module and the signature.
	maxEntries = 3
	// tarOverhead covers headers, PAX records and padding of three entries.
	tarOverhead = 64 << 10
	// ratioSlack lets a tiny archive decompress past the ratio, so that the
	// ratio only bites on bundles large enough to matter.
	ratioSlack = 1 << 20
)

// Limits bound what Parse reads. Zero fields take their defaults.
type Limits struct {
	// MaxBundle bounds the archive as given (compressed).
	MaxBundle int64
	// MaxManifest and MaxWasm bound the two entries, decompressed.
	MaxManifest int64
	MaxWasm     int64
	// MaxRatio bounds the decompressed size of the whole archive as a
	// multiple of its compressed size (beyond a first MiB).
	MaxRatio int64
}

// withDefaults fills zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxBundle <= 0 {
		l.MaxBundle = DefaultMaxBundle
	}
	if l.MaxManifest <= 0 {
		l.MaxManifest = DefaultMaxManifest
	}
	if l.MaxWasm <= 0 {
		l.MaxWasm = DefaultMaxWasm
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// maxDecompressed is the most the archive of n compressed bytes may expand to.
func (l Limits) maxDecompressed(n int64) int64 {
	abs := l.MaxManifest + l.MaxWasm + maxSignature + tarOverhead
	return min(abs, l.MaxRatio*n+ratioSlack)
}

// Bundle is a parsed, verified bundle.
type Bundle struct {
	// Manifest is the parsed manifest; Manifest.Wasm.SHA256 is the
	// module's digest.
	Manifest *manifests.Manifest
	// ManifestName is ManifestYAML or ManifestJSON, as the archive had it.
	ManifestName string
	// ManifestRaw is the manifest entry's bytes, as signed.
	ManifestRaw []byte
	// Wasm is the module.
	Wasm []byte
	// Signature is the verified signature, or nil for an unsigned bundle.
	Signature *Signature
}

// Message returns the message a signature over this bundle signs.
func (b *Bundle) Message() []byte {
	return Message(b.ManifestRaw, b.Manifest.Wasm.SHA256)
}
