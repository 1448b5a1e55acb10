package manifests

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
)

// DefaultMaxWasmSize is the module size ReadWasm allows when given no bound.
const DefaultMaxWasmSize = 64 * MiB

// wasmHeader is the binary magic "\0asm" followed by version 1.
var wasmHeader = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// WasmFile resolves the manifest's wasm.path against the manifest's folder
// and returns the module's real path (symbolic links resolved). It refuses,
// with ErrOutsideRoot, an absolute wasm.path and a path that lies outside
// root either as written (after filepath.Clean) or once links are resolved.
// root is the trust boundary: for the local plugin directory, the parent of
// the manifests folder.
//
// The check guards against reading arbitrary files; what pins the content is
// the SHA-256 that ReadWasm verifies, so a file swapped after this call is
// still caught there.
func (l Loaded) WasmFile(root string) (string, error) {
	p := l.Wasm.Path
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("wasm file %q: absolute or empty path: %w", p, ErrOutsideRoot)
	}
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("wasm file: resolve root: %w", err)
	}
	abs, err := filepath.Abs(filepath.Join(filepath.Dir(l.File), p))
	if err != nil {
		return "", fmt.Errorf("wasm file %q: %w", p, err)
	}
	if !within(rootAbs, abs) {
		return "", fmt.Errorf("wasm file %q: %w %s", p, ErrOutsideRoot, root)
	}
	rootReal, err := filepath.EvalSymlinks(rootAbs)
	if err != nil {
		return "", fmt.Errorf("wasm file: resolve root: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("wasm file %q: %w", p, err)
	}
	if !within(rootReal, real) {
		return "", fmt.Errorf("wasm file %q: resolves to %s: %w %s", p, real, ErrOutsideRoot, root)
	}
	return real, nil
}

// within reports whether p is root or lies below it; both are absolute and
// clean.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil || filepath.IsAbs(rel) {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// ReadWasm reads the module at path, at most maxBytes of it
// (DefaultMaxWasmSize when maxBytes <= 0), and returns it only if its
// SHA-256 equals sha256hex (64 lowercase hex digits; compared in constant
// time, else ErrSHA256Mismatch) and it starts with the wasm magic and
// version 1 (else ErrNotWasm).
func ReadWasm(path, sha256hex string, maxBytes int64) ([]byte, error) {
	if _, err := decodeSHA256(sha256hex); err != nil {
		return nil, fmt.Errorf("read wasm %s: %w", path, err)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxWasmSize
	}
	data, err := readBounded(path, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("read wasm %s: %w", path, err)
	}
	if err := VerifyWasm(data, sha256hex); err != nil {
		return nil, fmt.Errorf("read wasm %s: %w", path, err)
	}
	return data, nil
}

// VerifyWasm checks that data is a WebAssembly module whose SHA-256 is
// sha256hex (compared in constant time).
func VerifyWasm(data []byte, sha256hex string) error {
	want, err := decodeSHA256(sha256hex)
	if err != nil {
		return err
	}
	got := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return fmt.Errorf("%w: got %x", ErrSHA256Mismatch, got)
	}
	if !bytes.HasPrefix(data, wasmHeader) {
		return ErrNotWasm
	}
	return nil
}

// decodeSHA256 decodes a digest written as 64 lowercase hex digits.
func decodeSHA256(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size || s != strings.ToLower(s) {
		return nil, fmt.Errorf("%w: sha256 must be 64 lowercase hex digits", ErrInvalid)
	}
	return b, nil
}
