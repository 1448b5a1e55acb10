package semantic

import "strings"

// layerPolicy allows reading exactly the columns of the visible fields of
// the visible datasets of a layer.
type layerPolicy map[string]map[string]bool

// Policy is the guard policy of principal a on the warehouse l describes:
// a query may read a column only if it is the column of a field a may see,
// of a dataset a may see. Tables and columns the layer does not describe
// are refused.
func (l *Layer) Policy(a Access) Policy {
	p := layerPolicy{}
	for _, d := range a.Visible(l) {
		cols := map[string]bool{}
		for i := range d.Fields {
			f := &d.Fields[i]
			if f.Expression == "" || isIdent(f.Expression) {
				cols[strings.ToLower(f.Column())] = true
			}
		}
		p[strings.ToLower(d.Table())] = cols
	}
	return p
}

// AllowRead implements Policy: column "" (no column, as in COUNT(*)) is
// allowed on every visible dataset's table.
func (p layerPolicy) AllowRead(table, column string) bool {
	cols, ok := p[strings.ToLower(table)]
	if column == "" {
		return ok
	}
	return cols[strings.ToLower(column)]
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(table, column string) bool

// AllowRead implements Policy.
func (f PolicyFunc) AllowRead(table, column string) bool { return f(table, column) }
