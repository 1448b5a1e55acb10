package semantic

// Dataset is one table of the warehouse as the layer describes it: one YAML
// file per dataset. Its shape follows Apache Ossie (datasets, fields,
// relationships, metrics, ai_context) so it can be exported there, with
// what Snowflake Cortex Analyst adds (sample values, enums, synonyms, named
// filters, verified queries) and SAA's per-field sensitivity.
type Dataset struct {
	// Name is how agents and SQL refer to the dataset: [a-z_][a-z0-9_]*.
	Name string `json:"name" yaml:"name"`
	// Source is the physical table; Name if empty.
	Source      string   `json:"source,omitempty" yaml:"source,omitempty"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	PrimaryKey  []string `json:"primary_key,omitempty" yaml:"primary_key,omitempty"`
	// RowCount is what the last import counted; informative only.
	RowCount int64    `json:"row_count,omitempty" yaml:"row_count,omitempty"`
	Synonyms []string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	// Scope, if set, is needed to see the dataset at all (semantic:...).
	Scope           string          `json:"scope,omitempty" yaml:"scope,omitempty"`
	AIContext       *AIContext      `json:"ai_context,omitempty" yaml:"ai_context,omitempty"`
	Fields          []Field         `json:"fields" yaml:"fields"`
	Relationships   []Relationship  `json:"relationships,omitempty" yaml:"relationships,omitempty"`
	Metrics         []Metric        `json:"metrics,omitempty" yaml:"metrics,omitempty"`
	Filters         []Filter        `json:"filters,omitempty" yaml:"filters,omitempty"`
	VerifiedQueries []VerifiedQuery `json:"verified_queries,omitempty" yaml:"verified_queries,omitempty"`
	file            string          // where it was loaded from
}

// Field is one column (or expression) of a dataset.
type Field struct {
	Name string `json:"name" yaml:"name"`
	// Expression is the SQL that computes the field; the column Name if empty.
	Expression  string     `json:"expression,omitempty" yaml:"expression,omitempty"`
	DataType    string     `json:"datatype,omitempty" yaml:"datatype,omitempty"`
	Description string     `json:"description,omitempty" yaml:"description,omitempty"`
	Dimension   *Dimension `json:"dimension,omitempty" yaml:"dimension,omitempty"`
	// Role is Cortex's kind of column: dimension, time_dimension or fact.
	Role         string   `json:"role,omitempty" yaml:"role,omitempty"`
	Unique       bool     `json:"unique,omitempty" yaml:"unique,omitempty"`
	Nullable     *bool    `json:"nullable,omitempty" yaml:"nullable,omitempty"`
	SampleValues []string `json:"sample_values,omitempty" yaml:"sample_values,omitempty"`
	IsEnum       bool     `json:"is_enum,omitempty" yaml:"is_enum,omitempty"`
	Synonyms     []string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	// Sensitivity is public, internal (the default), pii or secret.
	Sensitivity Sensitivity `json:"sensitivity,omitempty" yaml:"sensitivity,omitempty"`
	// Scope unlocks a pii or secret field; DefaultScope(Sensitivity) if empty.
	Scope     string     `json:"scope,omitempty" yaml:"scope,omitempty"`
	AIContext *AIContext `json:"ai_context,omitempty" yaml:"ai_context,omitempty"`
}

// Dimension is Ossie's dimension marker.
type Dimension struct {
	IsTime bool `json:"is_time" yaml:"is_time"`
}

// AIContext is Ossie's hint block, allowed at every level.
type AIContext struct {
	Instructions string   `json:"instructions,omitempty" yaml:"instructions,omitempty"`
	Synonyms     []string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	Examples     []string `json:"examples,omitempty" yaml:"examples,omitempty"`
}

// Relationship is a join from this dataset's columns to another dataset's.
type Relationship struct {
	Name        string   `json:"name" yaml:"name"`
	FromColumns []string `json:"from_columns" yaml:"from_columns"`
	ToDataset   string   `json:"to_dataset" yaml:"to_dataset"`
	ToColumns   []string `json:"to_columns" yaml:"to_columns"`
	// Type is many_to_one (the default), one_to_one or one_to_many.
	Type        string     `json:"type,omitempty" yaml:"type,omitempty"`
	Description string     `json:"description,omitempty" yaml:"description,omitempty"`
	AIContext   *AIContext `json:"ai_context,omitempty" yaml:"ai_context,omitempty"`
}

// Metric is a named aggregate over the dataset.
type Metric struct {
	Name        string     `json:"name" yaml:"name"`
	Expression  string     `json:"expression" yaml:"expression"`
	Description string     `json:"description,omitempty" yaml:"description,omitempty"`
	Synonyms    []string   `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	AIContext   *AIContext `json:"ai_context,omitempty" yaml:"ai_context,omitempty"`
}

// Filter is a named WHERE condition (Cortex's filters).
type Filter struct {
	Name        string   `json:"name" yaml:"name"`
	Expression  string   `json:"expression" yaml:"expression"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	Synonyms    []string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
}

// VerifiedQuery is a question with SQL a human checked: the best example an
// agent can get. Tests execute every one of them.
type VerifiedQuery struct {
	Name       string `json:"name" yaml:"name"`
	Question   string `json:"question" yaml:"question"`
	SQL        string `json:"sql" yaml:"sql"`
	VerifiedBy string `json:"verified_by,omitempty" yaml:"verified_by,omitempty"`
	VerifiedAt string `json:"verified_at,omitempty" yaml:"verified_at,omitempty"`
}

// Sensitivity classifies what a field holds.
type Sensitivity string

// Sensitivities, least to most sensitive.
const (
	Public   Sensitivity = "public"
	Internal Sensitivity = "internal"
	PII      Sensitivity = "pii"
	Secret   Sensitivity = "secret"
)

// Scopes of the host's reserved "semantic" namespace.
const (
	// ScopeRead lets a token read the layer over REST.
	ScopeRead = "semantic:read"
	// ScopePII unlocks pii fields that name no scope of their own.
	ScopePII = "semantic:pii"
	// ScopeSecret unlocks secret fields that name no scope of their own.
	ScopeSecret = "semantic:secret"
)

// Table is the physical table of d.
func (d *Dataset) Table() string {
	if d.Source != "" {
		return d.Source
	}
	return d.Name
}

// File is the file d was loaded from, "" if built in memory.
func (d *Dataset) File() string { return d.file }

// Field returns the field named name, or nil.
func (d *Dataset) Field(name string) *Field {
	for i := range d.Fields {
		if d.Fields[i].Name == name {
			return &d.Fields[i]
		}
	}
	return nil
}

// Column is the physical column of f: its expression when that is a bare
// column name, else its name.
func (f *Field) Column() string {
	if f.Expression != "" && isIdent(f.Expression) {
		return f.Expression
	}
	return f.Name
}

// Level is f's sensitivity, Internal when unset.
func (f *Field) Level() Sensitivity {
	if f.Sensitivity == "" {
		return Internal
	}
	return f.Sensitivity
}

// NeededScope is the scope that unlocks f, "" if none is needed.
func (f *Field) NeededScope() string {
	switch f.Level() {
	case PII:
		if f.Scope != "" {
			return f.Scope
		}
		return ScopePII
	case Secret:
		if f.Scope != "" {
			return f.Scope
		}
		return ScopeSecret
	}
	return f.Scope
}
