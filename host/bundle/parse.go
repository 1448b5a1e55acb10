package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/secure-agent/saa/manifests"
)

// Parse reads and verifies the bundle in data under lim (zero fields take
// the defaults). It returns an *Error wrapping ErrInvalid for any bundle
// that breaks a rule of the package doc.
func Parse(data []byte, lim Limits) (*Bundle, error) {
	return Read(bytes.NewReader(data), int64(len(data)), lim, nil)
}

// Precheck decides about a bundle from its manifest and its module's size
// alone. Read calls it once, as soon as both are known: before it inflates
// the module when the manifest comes first in the archive (as Pack writes
// it), so that a bundle its caller would refuse anyway costs no memory.
type Precheck func(m *manifests.Manifest, moduleSize int64) error

// Read is Parse for a stream of exactly size bytes, such as a request body
// with its Content-Length: it never holds the compressed bytes, reads the
// module into one buffer of its declared size and hashes it on the way.
// An error from precheck (if not nil) is returned as it is.
func Read(r io.Reader, size int64, lim Limits, precheck Precheck) (*Bundle, error) {
	lim = lim.withDefaults()
	if size < 0 || size > lim.MaxBundle {
		return nil, fail(ErrTooLarge, "", fmt.Sprintf("%d bytes, limit %d", size, lim.MaxBundle))
	}
	rd := &reading{lim: lim, precheck: precheck, entries: make(map[string][]byte, maxEntries)}
	if err := rd.walk(io.LimitReader(r, size), size); err != nil {
		return nil, err
	}
	return rd.assemble()
}

// FromParts builds a bundle from a manifest and its module, checking that
// the manifest is valid and pins the module. name is ManifestYAML or
// ManifestJSON.
func FromParts(name string, manifestRaw, wasm []byte) (*Bundle, error) {
	m, err := manifests.Parse(manifestRaw)
	if err != nil {
		return nil, &Error{Kind: ErrBadManifest, Entry: name, Err: err}
	}
	return fromParsed(name, manifestRaw, m, wasm, sha256.Sum256(wasm))
}

// fromParsed checks that the module whose digest is sum is the one m pins.
func fromParsed(name string, raw []byte, m *manifests.Manifest, wasm []byte, sum [sha256.Size]byte) (*Bundle, error) {
	var err error
	switch {
	case hex.EncodeToString(sum[:]) != m.Wasm.SHA256:
		err = fmt.Errorf("%w: got %x", manifests.ErrSHA256Mismatch, sum)
	case !bytes.HasPrefix(wasm, wasmMagic):
		err = manifests.ErrNotWasm
	}
	if err != nil {
		return nil, &Error{Kind: ErrHashMismatch, Entry: WasmEntry, Reason: "the manifest pins sha256 " + m.Wasm.SHA256, Err: err}
	}
	return &Bundle{Manifest: m, ManifestName: name, ManifestRaw: raw, Wasm: wasm}, nil
}

// wasmMagic is the WebAssembly binary magic and version 1.
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// reading is the state of one Read.
type reading struct {
	lim      Limits
	precheck Precheck
	entries  map[string][]byte
	manifest *manifests.Manifest // parsed as soon as its entry is read
	wasmSum  [sha256.Size]byte
	checked  bool
}

// assemble checks the entries' contents against each other.
func (rd *reading) assemble() (*Bundle, error) {
	name := ManifestYAML
	raw, ok := rd.entries[name]
	if !ok {
		name = ManifestJSON
		raw, ok = rd.entries[name]
	}
	if !ok {
		return nil, fail(ErrMissingEntry, "", "no "+ManifestYAML+" or "+ManifestJSON)
	}
	wasm, ok := rd.entries[WasmEntry]
	if !ok {
		return nil, fail(ErrMissingEntry, "", "no "+WasmEntry)
	}
	b, err := fromParsed(name, raw, rd.manifest, wasm, rd.wasmSum)
	if err != nil {
		return nil, err
	}
	if data, ok := rd.entries[SignatureEntry]; ok {
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

// walk decompresses and walks the archive of size compressed bytes,
// keeping the allowed entries' contents by name.
func (rd *reading) walk(r io.Reader, size int64) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return &Error{Kind: ErrNotArchive, Err: err}
	}
	budget := rd.lim.maxDecompressed(size)
	src := &boundedReader{r: zr, left: budget, budget: budget}
	tr := tar.NewReader(src)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return src.fail("", err)
		}
		if len(rd.entries) == maxEntries {
			return fail(ErrUnexpectedEntry, "", fmt.Sprintf("more than %d entries", maxEntries))
		}
		if err := rd.readEntry(tr, src, hdr); err != nil {
			return err
		}
	}
	return drain(src)
}

// readEntry checks an entry's header against the rules and what was read
// before, then reads its content within its bound. The manifest is parsed
// at once; the module is read into a buffer of its declared size, hashed
// on the way, and only after the precheck if the manifest came first.
func (rd *reading) readEntry(tr *tar.Reader, src *boundedReader, hdr *tar.Header) error {
	if err := checkHeader(hdr, rd.entries); err != nil {
		return err
	}
	limit := entryLimit(hdr.Name, rd.lim)
	if hdr.Size > limit {
		return fail(ErrEntryTooLarge, hdr.Name, fmt.Sprintf("%d bytes, limit %d", hdr.Size, limit))
	}
	if hdr.Name == WasmEntry && rd.manifest != nil {
		if err := rd.check(hdr.Size); err != nil {
			return err
		}
	}
	content := make([]byte, hdr.Size)
	h := sha256.New()
	if _, err := io.ReadFull(io.TeeReader(tr, h), content); err != nil {
		return src.fail(hdr.Name, err)
	}
	rd.entries[hdr.Name] = content
	switch hdr.Name {
	case WasmEntry:
		h.Sum(rd.wasmSum[:0])
	case ManifestYAML, ManifestJSON:
		m, err := manifests.Parse(content)
		if err != nil {
			return &Error{Kind: ErrBadManifest, Entry: hdr.Name, Err: err}
		}
		rd.manifest = m
		if wasm, ok := rd.entries[WasmEntry]; ok {
			return rd.check(int64(len(wasm)))
		}
	}
	return nil
}

// check runs the precheck, once.
func (rd *reading) check(moduleSize int64) error {
	if rd.precheck == nil || rd.checked {
		return nil
	}
	rd.checked = true
	return rd.precheck(rd.manifest, moduleSize)
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
