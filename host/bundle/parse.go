package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/secure-agent/saa/manifests"
)

// Parse reads and verifies the bundle in data under lim (zero fields take
// the defaults). It returns an *Error wrapping ErrInvalid for any bundle
// that breaks a rule of the package doc.
func Parse(data []byte, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBundle {
		return nil, fail(ErrTooLarge, "", fmt.Sprintf("%d bytes, limit %d", len(data), lim.MaxBundle))
	}
	entries, err := readEntries(data, lim)
	if err != nil {
		return nil, err
	}
	return assemble(entries)
}

// FromParts builds a bundle from a manifest and its module, checking that
// the manifest is valid and pins the module. name is ManifestYAML or
// ManifestJSON.
func FromParts(name string, manifestRaw, wasm []byte) (*Bundle, error) {
	m, err := manifests.Parse(manifestRaw)
	if err != nil {
		return nil, &Error{Kind: ErrBadManifest, Entry: name, Err: err}
	}
	if err := manifests.VerifyWasm(wasm, m.Wasm.SHA256); err != nil {
		return nil, &Error{Kind: ErrHashMismatch, Entry: WasmEntry, Reason: "the manifest pins sha256 " + m.Wasm.SHA256, Err: err}
	}
	return &Bundle{Manifest: m, ManifestName: name, ManifestRaw: manifestRaw, Wasm: wasm}, nil
}

// assemble checks the entries' contents against each other.
func assemble(entries map[string][]byte) (*Bundle, error) {
	name := ManifestYAML
	raw, ok := entries[name]
	if !ok {
		name = ManifestJSON
		raw, ok = entries[name]
	}
	if !ok {
		return nil, fail(ErrMissingEntry, "", "no "+ManifestYAML+" or "+ManifestJSON)
	}
	wasm, ok := entries[WasmEntry]
	if !ok {
		return nil, fail(ErrMissingEntry, "", "no "+WasmEntry)
	}
	b, err := FromParts(name, raw, wasm)
	if err != nil {
		return nil, err
	}
	if data, ok := entries[SignatureEntry]; ok {
		if b.Signature, err = verifiedSignature(data, b.Message()); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// verifiedSignature decodes a signature entry and checks it signs message.
func verifiedSignature(data, message []byte) (*Signature, error) {
	sig, err := parseSignature(data)
	if err != nil {
		return nil, fail(ErrBadSignature, SignatureEntry, err.Error())
	}
	if !sig.Verify(message) {
		return nil, fail(ErrBadSignature, SignatureEntry, "does not verify over this manifest and module with key "+sig.KeyID)
	}
	return sig, nil
}

// readEntries decompresses and walks the archive, keeping the allowed
// entries' contents by name.
func readEntries(data []byte, lim Limits) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, &Error{Kind: ErrNotArchive, Err: err}
	}
	budget := lim.maxDecompressed(int64(len(data)))
	src := &boundedReader{r: zr, left: budget, budget: budget}
	tr := tar.NewReader(src)
	out := make(map[string][]byte, maxEntries)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, src.fail("", err)
		}
		if len(out) == maxEntries {
			return nil, fail(ErrUnexpectedEntry, "", fmt.Sprintf("more than %d entries", maxEntries))
		}
		content, err := readEntry(tr, src, hdr, lim, out)
		if err != nil {
			return nil, err
		}
		out[hdr.Name] = content
	}
	return out, drain(src)
}

// readEntry checks an entry's header against the rules and what was read
// before, then reads its content within its bound.
func readEntry(tr *tar.Reader, src *boundedReader, hdr *tar.Header, lim Limits, seen map[string][]byte) ([]byte, error) {
	if err := checkHeader(hdr, seen); err != nil {
		return nil, err
	}
	limit := entryLimit(hdr.Name, lim)
	if hdr.Size > limit {
		return nil, fail(ErrEntryTooLarge, hdr.Name, fmt.Sprintf("%d bytes, limit %d", hdr.Size, limit))
	}
	content, err := io.ReadAll(io.LimitReader(tr, limit+1))
	if err != nil {
		return nil, src.fail(hdr.Name, err)
	}
	if int64(len(content)) > limit {
		return nil, fail(ErrEntryTooLarge, hdr.Name, fmt.Sprintf("over %d bytes", limit))
	}
	return content, nil
}

// drain reads what follows the archive's end: only zero padding may.
// Reading to the end also makes gzip check its checksum.
func drain(src *boundedReader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if bytes.ContainsFunc(buf[:n], func(r rune) bool { return r != 0 }) {
			return fail(ErrNotArchive, "", "data after the end of the tar archive")
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return src.fail("", err)
		}
	}
}

// boundedReader stops the decompression after left bytes, remembering
// whether the stream had more.
type boundedReader struct {
	r            io.Reader
	left, budget int64
	exceeded     bool
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(b.r, one[:])
		if n > 0 {
			b.exceeded = true
			return 0, ErrBomb
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// fail classifies a read error: an excess of the bound is a bomb, anything
// else a broken archive.
func (b *boundedReader) fail(entry string, err error) error {
	if b.exceeded || errors.Is(err, ErrBomb) {
		return fail(ErrBomb, entry, fmt.Sprintf("more than %d bytes once decompressed (a compression bomb?)", b.budget))
	}
	return &Error{Kind: ErrNotArchive, Entry: entry, Reason: "corrupt or truncated", Err: err}
}
