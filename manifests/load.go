package manifests

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// errNotRegular refuses directories, devices, FIFOs and sockets.
var errNotRegular = errors.New("not a regular file")

// Loaded is a manifest together with the file it was loaded from.
type Loaded struct {
	*Manifest
	// File is the manifest's path: the directory given to LoadDir joined
	// with the file's name.
	File string
}

// Load reads and parses the manifest file at path (YAML or JSON), refusing
// files over MaxManifestSize without reading them whole.
func Load(path string) (*Manifest, error) {
	data, err := readBounded(path, MaxManifestSize)
	if errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", path, err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", path, err)
	}
	return m, nil
}

// LoadDir loads every manifest in dir, not recursively, in file name order:
// the files ending in .yaml, .yml or .json except the schemas (schema.json,
// *.schema.json) and hidden files. Any invalid manifest, or two manifests with the same plugin name,
// fail the whole load; errors name the file.
func LoadDir(dir string) ([]Loaded, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load manifests: %w", err)
	}
	var out []Loaded
	byName := make(map[string]string)
	for _, e := range entries {
		if !isManifestFile(e) {
			continue
		}
		file := filepath.Join(dir, e.Name())
		m, err := Load(file)
		if err != nil {
			return nil, err
		}
		if prev, dup := byName[m.Name]; dup {
			return nil, fmt.Errorf("load manifest %s: plugin %q already loaded from %s: %w", file, m.Name, prev, ErrInvalid)
		}
		byName[m.Name] = file
		out = append(out, Loaded{Manifest: m, File: file})
	}
	return out, nil
}

// isManifestFile reports whether LoadDir should load e.
func isManifestFile(e os.DirEntry) bool {
	name := e.Name()
	if e.IsDir() || strings.HasPrefix(name, ".") || name == "schema.json" || strings.HasSuffix(name, ".schema.json") {
		return false
	}
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// readBounded reads the regular file at path if it holds at most max bytes.
// It checks the file before opening it, so that a FIFO or device cannot
// block or flood the read, and again on the open file.
func readBounded(path string, max int64) ([]byte, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	return data, nil
}
