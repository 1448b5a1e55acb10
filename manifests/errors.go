package manifests

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error that rejects a manifest's content, so
// that callers can tell a bad manifest from an I/O failure with errors.Is.
var ErrInvalid = errors.New("invalid manifest")

// ErrTooLarge means a manifest or a module is larger than its bound; the
// content was not parsed.
var ErrTooLarge = errors.New("too large")

// ErrOutsideRoot means a module path resolves, lexically or through a
// symbolic link, outside the directory trusted to hold modules.
var ErrOutsideRoot = errors.New("path outside root")

// ErrSHA256Mismatch means a module's content does not match the digest its
// manifest pins.
var ErrSHA256Mismatch = errors.New("sha256 mismatch")

// ErrNotWasm means a module does not start with the WebAssembly binary magic
// and version 1.
var ErrNotWasm = errors.New("not a wasm module")

// FieldError rejects one field of a manifest. Field is the path of the field
// in the document ("actions[0].scopes"; empty for the document itself) and
// Reason says what is wrong with it. It wraps ErrInvalid.
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "manifest: <field>: <reason>".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return "manifest: " + e.Reason
	}
	return "manifest: " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// maxReason bounds a reason, which may quote the document.
const maxReason = 300

// fieldErr builds a *FieldError whose reason is one line of bounded length,
// whatever the document quoted in it.
func fieldErr(field, reason string) *FieldError {
	return &FieldError{Field: oneLine(field, maxReason), Reason: oneLine(reason, maxReason)}
}

// oneLine replaces control characters with spaces, squeezes the spaces and
// clips s to max bytes on a rune boundary.
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || unicode.IsControl(r)
	}), " ")
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max] + "..."
}
