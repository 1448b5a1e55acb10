package semantic

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
)

// Drift is how a dataset's schema changed since the layer was written.
type Drift struct {
	Dataset string   `json:"dataset"`
	New     bool     `json:"new,omitempty"`
	Added   []string `json:"added,omitempty"`
	Dropped []string `json:"dropped,omitempty"`
	// Retyped lists "column: OLD -> NEW".
	Retyped []string `json:"retyped,omitempty"`
}

// Empty reports whether nothing changed.
func (d Drift) Empty() bool {
	return !d.New && len(d.Added) == 0 && len(d.Dropped) == 0 && len(d.Retyped) == 0
}

// Merge returns human updated with the facts of fresh, a new import of the
// same table: types, keys, row count, samples and enum flags come from
// fresh; descriptions, synonyms, hints, sensitivity, scopes, metrics,
// filters, verified queries and relationships a human added are kept.
// Fields that no longer exist are dropped (the guard could not read them);
// Drift says so.
func Merge(human, fresh *Dataset) (*Dataset, Drift) {
	drift := Drift{Dataset: fresh.Name}
	out := *human
	out.RowCount, out.PrimaryKey = fresh.RowCount, fresh.PrimaryKey
	out.Fields = nil
	for _, nf := range fresh.Fields {
		old := human.Field(nf.Name)
		if old == nil {
			drift.Added = append(drift.Added, nf.Name)
			out.Fields = append(out.Fields, nf)
			continue
		}
		f := *old
		if !strings.EqualFold(f.DataType, nf.DataType) {
			drift.Retyped = append(drift.Retyped, fmt.Sprintf("%s: %s -> %s", nf.Name, f.DataType, nf.DataType))
		}
		f.DataType, f.Nullable, f.Unique = nf.DataType, nf.Nullable, nf.Unique || f.Unique
		if f.Level() == PII || f.Level() == Secret {
			f.SampleValues, f.IsEnum = nil, false
		} else {
			f.SampleValues, f.IsEnum = nf.SampleValues, nf.IsEnum
		}
		if f.Dimension == nil {
			f.Dimension = nf.Dimension
		}
		out.Fields = append(out.Fields, f)
	}
	for _, of := range human.Fields {
		if fresh.Field(of.Name) == nil {
			drift.Dropped = append(drift.Dropped, of.Name)
		}
	}
	out.Relationships = mergeRelationships(human.Relationships, fresh.Relationships, &out)
	return &out, drift
}

// mergeRelationships keeps every relationship of human whose columns still
// exist, and adds the foreign keys of fresh it lacks.
func mergeRelationships(human, fresh []Relationship, d *Dataset) []Relationship {
	var out []Relationship
	for _, r := range human {
		if !slices.ContainsFunc(r.FromColumns, func(c string) bool { return d.Field(c) == nil }) {
			out = append(out, r)
		}
	}
	for _, r := range fresh {
		if !slices.ContainsFunc(out, func(h Relationship) bool {
			return strings.EqualFold(h.ToDataset, r.ToDataset) && slices.Equal(h.FromColumns, r.FromColumns)
		}) {
			out = append(out, r)
		}
	}
	return out
}

// ImportReport is what ImportInto did.
type ImportReport struct {
	Written []string `json:"written"`
	Drift   []Drift  `json:"drift"`
	// Missing lists datasets of the layer whose table is gone.
	Missing []string `json:"missing,omitempty"`
}

// ImportInto imports fresh datasets into dir: a dataset with a file in dir
// is merged into it (Merge), a new one gets <name>.yaml. Files of tables
// that are gone are left alone and reported.
func ImportInto(dir string, fresh []*Dataset) (*ImportReport, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("import into %s: %w", dir, err)
	}
	existing, err := loadFiles(dir)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{Drift: []Drift{}}
	seen := map[string]bool{}
	for _, f := range fresh {
		key := strings.ToLower(f.Name)
		seen[key] = true
		out, drift, file := f, Drift{Dataset: f.Name, New: true}, fileName(f.Name)
		if old, ok := existing[key]; ok {
			out, drift = Merge(old, f)
			file = old.file
		}
		if err := writeDataset(filepath.Join(dir, file), out); err != nil {
			return nil, err
		}
		rep.Written = append(rep.Written, file)
		if !drift.Empty() {
			rep.Drift = append(rep.Drift, drift)
		}
	}
	for key, d := range existing {
		if !seen[key] {
			rep.Missing = append(rep.Missing, d.Name)
		}
	}
	slices.Sort(rep.Missing)
	return rep, nil
}

// loadFiles parses every dataset file of dir, keyed by lowercased name.
func loadFiles(dir string) (map[string]*Dataset, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	out := map[string]*Dataset{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		d, err := LoadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[strings.ToLower(d.Name)] = d
	}
	return out, nil
}

// writeDataset writes d as YAML, checking first that it reads back.
func writeDataset(path string, d *Dataset) error {
	data, err := MarshalYAML(d)
	if err != nil {
		return err
	}
	if _, err := Parse(filepath.Base(path), data); err != nil {
		return fmt.Errorf("write %s: the result does not load: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", path, err), os.Remove(tmp))
	}
	return nil
}

// MarshalYAML renders d as a dataset file, fields in the order of the
// format's documentation.
func MarshalYAML(d *Dataset) ([]byte, error) {
	data, err := yamlv2.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", d.Name, err)
	}
	return data, nil
}

// fileName is a safe file name for a dataset.
func fileName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r < 0x80 && (r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + ".yaml"
}
