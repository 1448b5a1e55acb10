package bundle

import (
	"errors"
	"strconv"
	"unicode"
)

// ErrInvalid is wrapped by every error that rejects a bundle's content.
var ErrInvalid = errors.New("invalid bundle")

// ErrTooLarge means the archive itself is larger than Limits.MaxBundle; it
// was not read.
var ErrTooLarge = errors.New("bundle too large")

// ErrNotArchive means the data is not a gzip-compressed tar archive.
var ErrNotArchive = errors.New("not a gzip-compressed tar archive")

// ErrBomb means the archive decompresses to more than its bounds allow,
// absolutely or as a ratio of its compressed size.
var ErrBomb = errors.New("decompresses beyond the bounds")

// ErrUnsafePath means an entry's name is absolute, climbs with "..",
// contains a backslash or a control character, or names a directory.
var ErrUnsafePath = errors.New("unsafe entry path")

// ErrEntryType means an entry is not a regular file: a directory, a link, a
// device, a FIFO or another special type.
var ErrEntryType = errors.New("entry is not a regular file")

// ErrUnexpectedEntry means an entry is none of manifest.yaml,
// manifest.json, plugin.wasm and signature, or the archive has too many.
var ErrUnexpectedEntry = errors.New("unexpected entry")

// ErrDuplicate means an entry appears twice, or both manifest names appear.
var ErrDuplicate = errors.New("duplicate entry")

// ErrMissingEntry means the manifest or the module is absent.
var ErrMissingEntry = errors.New("missing entry")

// ErrEntryTooLarge means an entry is larger than its bound.
var ErrEntryTooLarge = errors.New("entry too large")

// ErrBadManifest means the manifest does not parse or validate; the error
// also wraps manifests.ErrInvalid and, for a field, a *manifests.FieldError.
var ErrBadManifest = errors.New("bad manifest")

// ErrHashMismatch means plugin.wasm is not the module the manifest pins (or
// not a wasm module at all).
var ErrHashMismatch = errors.New("module does not match the manifest")

// ErrBadSignature means the signature entry is malformed or does not verify
// over the manifest and the module with the key it names.
var ErrBadSignature = errors.New("bad signature")

// Error rejects a bundle. Kind is one of this package's sentinels; Entry
// names the archive entry at fault, if any (quoted and clipped, since it
// comes from the archive). It wraps ErrInvalid, Kind and Err.
type Error struct {
	Kind   error
	Entry  string
	Reason string
	Err    error
}

// Error returns "bundle: [entry "x": ]<kind>: <reason>[: <err>]".
func (e *Error) Error() string {
	s := "bundle: "
	if e.Entry != "" {
		s += "entry " + quote(e.Entry) + ": "
	}
	s += e.Kind.Error()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrInvalid, Kind and the underlying error, for errors.Is.
func (e *Error) Unwrap() []error {
	out := []error{ErrInvalid, e.Kind}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// maxQuoted bounds how much of a hostile name an error repeats.
const maxQuoted = 80

// quote renders an archive-supplied name safely: quoted, control characters
// escaped, clipped.
func quote(s string) string {
	clipped := false
	if len(s) > maxQuoted {
		s, clipped = s[:maxQuoted], true
	}
	q := strconv.QuoteToASCII(s)
	if clipped {
		q += "..."
	}
	return q
}

func fail(kind error, entry, reason string) *Error {
	return &Error{Kind: kind, Entry: entry, Reason: reason}
}

// hasControl reports whether s holds a control character.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
