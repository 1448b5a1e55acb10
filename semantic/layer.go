package semantic

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Layer is a loaded semantic layer: datasets in name order.
type Layer struct {
	Datasets []*Dataset
}

// ErrInvalid is matched by every *LoadError.
var ErrInvalid = errors.New("invalid semantic layer")

// LoadError says which file and field of the layer is wrong and why.
type LoadError struct {
	File, Field, Reason string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *LoadError) Is(target error) bool { return target == ErrInvalid }

// maxFiles bounds how many files Load reads from one directory.
const maxFiles = 10000

// Load reads every *.yaml, *.yml and *.json file of dir, one dataset each,
// and checks the layer as a whole (unique names, relationships that point
// at existing datasets and fields).
func Load(dir string) (*Layer, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load semantic layer: %w", err)
	}
	var ds []*Dataset
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		if len(ds) == maxFiles {
			return nil, &LoadError{File: dir, Reason: fmt.Sprintf("more than %d files", maxFiles)}
		}
		d, err := LoadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return NewLayer(ds)
}

// LoadFile reads and checks one dataset file.
func LoadFile(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load semantic layer: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(filepath.Base(path), data)
}

// NewLayer checks datasets together and returns them as a layer in name
// order.
func NewLayer(ds []*Dataset) (*Layer, error) {
	l := &Layer{Datasets: slices.Clone(ds)}
	slices.SortFunc(l.Datasets, func(a, b *Dataset) int { return strings.Compare(a.Name, b.Name) })
	seen := map[string]string{}
	for _, d := range l.Datasets {
		key := strings.ToLower(d.Name)
		if other, dup := seen[key]; dup {
			return nil, &LoadError{File: d.file, Field: "name", Reason: fmt.Sprintf("dataset %q is also defined in %s", d.Name, other)}
		}
		seen[key] = d.file
	}
	for _, d := range l.Datasets {
		for i, r := range d.Relationships {
			field := fmt.Sprintf("relationships[%d]", i)
			to := l.Dataset(r.ToDataset)
			if to == nil {
				return nil, &LoadError{File: d.file, Field: field + ".to_dataset", Reason: fmt.Sprintf("no dataset %q", r.ToDataset)}
			}
			for j, c := range r.ToColumns {
				if to.Field(c) == nil {
					return nil, &LoadError{File: d.file, Field: fmt.Sprintf("%s.to_columns[%d]", field, j), Reason: fmt.Sprintf("dataset %q has no field %q", to.Name, c)}
				}
			}
		}
	}
	return l, nil
}

// Dataset returns the dataset named name (case-insensitive, as SQL is), or
// nil.
func (l *Layer) Dataset(name string) *Dataset {
	for _, d := range l.Datasets {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}
