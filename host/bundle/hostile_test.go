package bundle_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/manifests"
)

// TestHostileBundles feeds Parse archives that break each rule, and checks
// each is refused with its own reason.
func TestHostileBundles(t *testing.T) {
	wasm := fakeWasm(64)
	man := manifestFor(wasm)
	valid := []entry{file(bundle.ManifestYAML, man), file(bundle.WasmEntry, wasm)}
	zeros := make([]byte, 20<<20)
	cases := []struct {
		name    string
		data    []byte
		limits  bundle.Limits
		want    error
		message string
	}{
		{"not an archive", []byte("hello, world"), bundle.Limits{}, bundle.ErrNotArchive, "not a gzip"},
		{"empty input", nil, bundle.Limits{}, bundle.ErrNotArchive, "not a gzip"},
		{"zip archive", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bundle.Limits{}, bundle.ErrNotArchive, "not a gzip"},
		{"uncompressed tar", rawTar(t, nil, valid...), bundle.Limits{}, bundle.ErrNotArchive, "not a gzip"},
		{"gzip of not a tar", gz(t, bytes.Repeat([]byte("not a tar header "), 64)), bundle.Limits{}, bundle.ErrNotArchive, "invalid tar header"},
		{"truncated", archive(t, valid...)[:200], bundle.Limits{}, bundle.ErrNotArchive, ""},
		{"garbage after gzip", append(archive(t, valid...), "trailing"...), bundle.Limits{}, bundle.ErrNotArchive, ""},
		{"data after tar end", gz(t, rawTar(t, []byte("hidden payload"), valid...)), bundle.Limits{}, bundle.ErrNotArchive, "data after the end"},
		{"archive over limit", archive(t, valid...), bundle.Limits{MaxBundle: 100}, bundle.ErrTooLarge, "limit 100"},
		{"compression bomb", archive(t, file(bundle.ManifestYAML, man), file(bundle.WasmEntry, zeros)), bundle.Limits{}, bundle.ErrBomb, "once decompressed"},
		{"zero padding bomb", gz(t, rawTar(t, zeros, valid...)), bundle.Limits{}, bundle.ErrBomb, "once decompressed"},
		{"declared size bomb", archive(t, file(bundle.ManifestYAML, man), file(bundle.WasmEntry, zeros)), bundle.Limits{MaxWasm: 1 << 20}, bundle.ErrEntryTooLarge, "limit 1048576"},
		{"path traversal", archive(t, file("../plugin.wasm", wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "traversal"},
		{"nested traversal", archive(t, file("a/../../etc/cron.d/x", wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "traversal"},
		{"backslash traversal", archive(t, file(`..\plugin.wasm`, wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "traversal"},
		{"absolute path", archive(t, file("/etc/passwd", wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "absolute"},
		{"windows drive", archive(t, file(`C:plugin.wasm`, wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "absolute"},
		{"backslash", archive(t, file(`dir\plugin.wasm`, wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "backslash"},
		{"subdirectory", archive(t, file("dir/plugin.wasm", wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "flat"},
		{"dot prefix", archive(t, file("./plugin.wasm", wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "flat"},
		{"control character", archive(t, file("plugin.wasm\n", wasm)), bundle.Limits{}, bundle.ErrUnsafePath, "control"},
		{"directory entry", archive(t, special(bundle.WasmEntry, tar.TypeDir, "")), bundle.Limits{}, bundle.ErrEntryType, "directory"},
		{"symlink", archive(t, special(bundle.WasmEntry, tar.TypeSymlink, "/etc/passwd")), bundle.Limits{}, bundle.ErrEntryType, "symbolic link"},
		{"hardlink", archive(t, special(bundle.WasmEntry, tar.TypeLink, "/etc/passwd")), bundle.Limits{}, bundle.ErrEntryType, "hard link"},
		{"char device", archive(t, special(bundle.WasmEntry, tar.TypeChar, "")), bundle.Limits{}, bundle.ErrEntryType, "device"},
		{"block device", archive(t, special(bundle.WasmEntry, tar.TypeBlock, "")), bundle.Limits{}, bundle.ErrEntryType, "device"},
		{"fifo", archive(t, special(bundle.WasmEntry, tar.TypeFifo, "")), bundle.Limits{}, bundle.ErrEntryType, "FIFO"},
		{"duplicate wasm", archive(t, append(valid, file(bundle.WasmEntry, fakeWasm(8)))...), bundle.Limits{}, bundle.ErrDuplicate, "twice"},
		{"duplicate manifest", archive(t, file(bundle.ManifestYAML, man), file(bundle.ManifestYAML, man)), bundle.Limits{}, bundle.ErrDuplicate, "twice"},
		{"yaml and json manifests", archive(t, file(bundle.ManifestYAML, man), file(bundle.ManifestJSON, man)), bundle.Limits{}, bundle.ErrDuplicate, "already has manifest.yaml"},
		{"extra entry", archive(t, append(valid, file("README.md", []byte("hi")))...), bundle.Limits{}, bundle.ErrUnexpectedEntry, "holds only"},
		{"too many entries", archive(t, append(valid, file(bundle.SignatureEntry, nil), file(bundle.ManifestJSON, man))...), bundle.Limits{}, bundle.ErrUnexpectedEntry, "more than 3"},
		{"empty archive", archive(t), bundle.Limits{}, bundle.ErrMissingEntry, "no manifest.yaml"},
		{"missing manifest", archive(t, file(bundle.WasmEntry, wasm)), bundle.Limits{}, bundle.ErrMissingEntry, "no manifest.yaml"},
		{"missing wasm", archive(t, file(bundle.ManifestYAML, man)), bundle.Limits{}, bundle.ErrMissingEntry, "no plugin.wasm"},
		{"oversized manifest", archive(t, file(bundle.ManifestYAML, make([]byte, manifests.MaxManifestSize+1)), file(bundle.WasmEntry, wasm)), bundle.Limits{}, bundle.ErrEntryTooLarge, "limit 1048576"},
		{"oversized wasm", archive(t, valid...), bundle.Limits{MaxWasm: 32}, bundle.ErrEntryTooLarge, "limit 32"},
		{"oversized signature", archive(t, append(valid, file(bundle.SignatureEntry, make([]byte, 5000)))...), bundle.Limits{}, bundle.ErrEntryTooLarge, "limit 4096"},
		{"invalid manifest", archive(t, file(bundle.ManifestYAML, []byte("name: X\n")), file(bundle.WasmEntry, wasm)), bundle.Limits{}, bundle.ErrBadManifest, "manifest"},
		{"hash mismatch", archive(t, file(bundle.ManifestYAML, man), file(bundle.WasmEntry, fakeWasm(65))), bundle.Limits{}, bundle.ErrHashMismatch, "sha256 mismatch"},
		{"not wasm", archive(t, file(bundle.ManifestYAML, manifestFor([]byte("MZ not wasm"))), file(bundle.WasmEntry, []byte("MZ not wasm"))), bundle.Limits{}, bundle.ErrHashMismatch, "not a wasm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bundle.Parse(tc.data, tc.limits)
			if !errors.Is(err, tc.want) || !errors.Is(err, bundle.ErrInvalid) {
				t.Fatalf("Parse = %v, %v; want %v", b, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
		})
	}
}

// TestHostileNamesAreQuoted checks that a name from the archive reaches the
// error escaped and clipped.
func TestHostileNamesAreQuoted(t *testing.T) {
	name := "../" + strings.Repeat("\x1b[31m", 100)
	_, err := bundle.Parse(archive(t, file(name, nil)), bundle.Limits{})
	if err == nil || strings.ContainsRune(err.Error(), 0x1b) || len(err.Error()) > 300 {
		t.Errorf("error = %q", err)
	}
}
