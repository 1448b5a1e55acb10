package semantic

import (
	"slices"
	"strings"
)

// Access is what a principal may see of the layer: the scopes it holds.
// The zero Access sees public and internal fields of datasets without a
// scope, and nothing sensitive.
type Access struct {
	scopes []string
	all    bool
}

// WithScopes is the access of a principal holding scopes.
func WithScopes(scopes []string) Access { return Access{scopes: slices.Clone(scopes)} }

// Everything sees every dataset and field: for the operator's own CLI and
// the benchmark, never for a caller from the network.
func Everything() Access { return Access{all: true} }

// has reports whether a holds scope; "" is always held.
func (a Access) has(scope string) bool {
	return scope == "" || a.all || slices.Contains(a.scopes, scope)
}

// SeesDataset reports whether a may see d at all.
func (a Access) SeesDataset(d *Dataset) bool { return a.has(d.Scope) }

// SeesField reports whether a may see field f of d.
func (a Access) SeesField(d *Dataset, f *Field) bool {
	return a.SeesDataset(d) && a.has(f.NeededScope())
}

// Visible returns a copy of the datasets a may see, each holding only the
// fields a may see. Relationships, metrics, filters and verified queries
// that mention a hidden field or dataset are dropped too, since their text
// would reveal it.
func (a Access) Visible(l *Layer) []*Dataset {
	out := []*Dataset{}
	for _, d := range l.Datasets {
		if !a.SeesDataset(d) {
			continue
		}
		out = append(out, a.filter(l, d))
	}
	return out
}

// filter copies d keeping only what a may see.
func (a Access) filter(l *Layer, d *Dataset) *Dataset {
	c := *d
	c.Fields = nil
	var hidden []string
	for i := range d.Fields {
		if a.SeesField(d, &d.Fields[i]) {
			c.Fields = append(c.Fields, d.Fields[i])
		} else {
			hidden = append(hidden, d.Fields[i].Name)
		}
	}
	mentions := func(text string) bool {
		words := identSet(text)
		for _, h := range hidden {
			if words[strings.ToLower(h)] {
				return true
			}
		}
		return false
	}
	c.Relationships = nil
	for _, r := range d.Relationships {
		to := l.Dataset(r.ToDataset)
		if to == nil || !a.SeesDataset(to) || anyHidden(a, d, r.FromColumns) || anyHidden(a, to, r.ToColumns) {
			continue
		}
		c.Relationships = append(c.Relationships, r)
	}
	c.Metrics = keep(d.Metrics, func(m Metric) bool { return !mentions(m.Expression) })
	c.Filters = keep(d.Filters, func(f Filter) bool { return !mentions(f.Expression) })
	c.VerifiedQueries = keep(d.VerifiedQueries, func(q VerifiedQuery) bool {
		return !mentions(q.SQL) && a.sqlDatasetsVisible(l, q.SQL)
	})
	return &c
}

// sqlDatasetsVisible reports whether every dataset sql names is one a sees
// with all of its fields that sql names.
func (a Access) sqlDatasetsVisible(l *Layer, sql string) bool {
	words := identSet(sql)
	for _, d := range l.Datasets {
		if !words[strings.ToLower(d.Table())] && !words[strings.ToLower(d.Name)] {
			continue
		}
		if !a.SeesDataset(d) {
			return false
		}
		for i := range d.Fields {
			if words[strings.ToLower(d.Fields[i].Name)] && !a.SeesField(d, &d.Fields[i]) {
				return false
			}
		}
	}
	return true
}

func anyHidden(a Access, d *Dataset, cols []string) bool {
	for _, c := range cols {
		f := d.Field(c)
		if f == nil || !a.SeesField(d, f) {
			return true
		}
	}
	return false
}

func keep[T any](in []T, ok func(T) bool) []T {
	var out []T
	for _, v := range in {
		if ok(v) {
			out = append(out, v)
		}
	}
	return out
}

// Summary is a dataset as a listing shows it.
type Summary struct {
	Name        string `json:"name"`
	Table       string `json:"table"`
	Description string `json:"description,omitempty"`
	Fields      int    `json:"fields"`
	RowCount    int64  `json:"row_count,omitempty"`
}

// Summaries lists the datasets a may see, with the number of fields it may
// see in each.
func (l *Layer) Summaries(a Access) []Summary {
	out := []Summary{}
	for _, d := range a.Visible(l) {
		out = append(out, Summary{Name: d.Name, Table: d.Table(), Description: d.Description, Fields: len(d.Fields), RowCount: d.RowCount})
	}
	return out
}

// VisibleDataset is the dataset named name as a may see it, nil if there
// is none or a may not see it.
func (l *Layer) VisibleDataset(name string, a Access) *Dataset {
	d := l.Dataset(name)
	if d == nil || !a.SeesDataset(d) {
		return nil
	}
	return a.filter(l, d)
}
