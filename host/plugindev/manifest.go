package plugindev

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ErrInvalidSHA means a digest is not 64 lowercase hex digits.
var ErrInvalidSHA = errors.New("sha256 must be 64 lowercase hex digits")

// ErrNoWasmField means the manifest has no block-style wasm.path or
// wasm.sha256 line to work with, or has it more than once. Flow style
// (wasm: {path: ..., sha256: ...}) and JSON manifests are not rewritten.
var ErrNoWasmField = errors.New("no single block-style wasm field")

var (
	shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// fieldLine splits an indented "key: value # comment" line of the wasm
	// block into indent+key+space, value and the rest (comment, CR).
	fieldLine = regexp.MustCompile(`^([ \t]+(path|sha256):[ \t]*)((?:"[^"]*"|'[^']*'|[^ \t#\r])*)(.*)$`)
)

// UpdateManifestSHA sets wasm.sha256 in the YAML manifest at manifestPath to
// sha, leaving every other byte as it was. It reports whether the file
// changed; it writes nothing when the digest is already sha.
func UpdateManifestSHA(manifestPath, sha string) (bool, error) {
	if !shaPattern.MatchString(sha) {
		return false, fmt.Errorf("update manifest %s: %w", manifestPath, ErrInvalidSHA)
	}
	src, err := os.ReadFile(manifestPath)
	if err != nil {
		return false, fmt.Errorf("update manifest: %w", err)
	}
	dst, err := rewriteSHA(src, sha)
	if err != nil {
		return false, fmt.Errorf("update manifest %s: %w", manifestPath, err)
	}
	if bytes.Equal(src, dst) {
		return false, nil
	}
	if err := replaceFile(manifestPath, dst); err != nil {
		return false, fmt.Errorf("update manifest: %w", err)
	}
	return true, nil
}

// rewriteSHA returns src with the value of wasm.sha256 replaced by sha,
// quoted, keeping the line's comment and line ending.
func rewriteSHA(src []byte, sha string) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
	i, err := wasmField(lines, "sha256")
	if err != nil {
		return nil, err
	}
	m := fieldLine.FindStringSubmatch(lines[i])
	// Always quoted: YAML reads an all-digit digest (or one like "1e5...")
	// as a number.
	value := `"` + sha + `"`
	if strings.HasPrefix(m[3], "'") {
		value = "'" + sha + "'"
	}
	key, rest := m[1], m[4]
	if !strings.HasSuffix(key, " ") && !strings.HasSuffix(key, "\t") {
		key += " " // "sha256:" had no value
	}
	if strings.HasPrefix(rest, "#") {
		rest = " " + rest // a comment needs a space before it
	}
	lines[i] = key + value + rest
	return []byte(strings.Join(lines, "\n")), nil
}

// wasmPath returns the value of wasm.path, unquoted.
func wasmPath(src []byte) (string, error) {
	lines := strings.Split(string(src), "\n")
	i, err := wasmField(lines, "path")
	if err != nil {
		return "", err
	}
	m := fieldLine.FindStringSubmatch(lines[i])
	v := m[3] + m[4]
	if j := strings.Index(v, " #"); j >= 0 {
		v = v[:j]
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, `"`) {
		return strconv.Unquote(v)
	}
	return strings.Trim(v, "'"), nil
}

// wasmField returns the index of the one line that holds key inside the
// top-level wasm block.
func wasmField(lines []string, key string) (int, error) {
	found, inWasm := -1, false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			inWasm = isWasmKey(trimmed)
			continue
		}
		if m := fieldLine.FindStringSubmatch(line); inWasm && m != nil && m[2] == key {
			if found >= 0 {
				return 0, fmt.Errorf("%w: wasm.%s appears twice", ErrNoWasmField, key)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("%w: wasm.%s not found", ErrNoWasmField, key)
	}
	return found, nil
}

// isWasmKey reports whether a top-level line opens the wasm block.
func isWasmKey(line string) bool {
	rest, ok := strings.CutPrefix(line, "wasm:")
	rest = strings.TrimSpace(rest)
	return ok && (rest == "" || strings.HasPrefix(rest, "#"))
}

// replaceFile writes data to a temporary file next to path and renames it
// over path, keeping path's permissions, so a reader never sees half a file.
func replaceFile(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
