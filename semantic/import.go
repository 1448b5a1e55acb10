package semantic

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Import limits: how many sample values a field keeps, how long each may
// be, and how many distinct values make a column an enum.
const (
	maxSamples     = 5
	maxSampleLen   = 64
	maxEnumValues  = 12
	maxImportTable = 4096
)

// ImportSQLite reads the schema and a little of the data of the SQLite
// database at path (opened read-only) and returns one dataset per table:
// names, types, primary keys, foreign keys as relationships, row counts,
// sample values and enum detection. Columns whose names suggest personal
// data or credentials are marked pii or secret and get no sample values.
func ImportSQLite(ctx context.Context, path string) ([]*Dataset, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, err := listTables(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	var out []*Dataset
	for _, t := range tables {
		d, err := importTable(ctx, db, t)
		if err != nil {
			return nil, fmt.Errorf("import %s: table %s: %w", path, t, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func listTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if len(out) == maxImportTable {
			return nil, fmt.Errorf("more than %d tables", maxImportTable)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

func importTable(ctx context.Context, db *sql.DB, table string) (*Dataset, error) {
	d := &Dataset{Name: table}
	if err := importColumns(ctx, db, d); err != nil {
		return nil, err
	}
	if err := importForeignKeys(ctx, db, d); err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(table)).Scan(&d.RowCount); err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	if d.RowCount == 0 {
		return d, nil
	}
	for i := range d.Fields {
		if err := sample(ctx, db, quoteIdent(table), &d.Fields[i], d.RowCount); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func importColumns(ctx context.Context, db *sql.DB, d *Dataset) error {
	rows, err := db.QueryContext(ctx, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid", d.Name)
	if err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	return scanColumns(rows, d)
}

// scanColumns adds the columns rows lists — (name, type, not null, position
// in the primary key or 0), in column order — to d, with d's primary key.
func scanColumns(rows *sql.Rows, d *Dataset) error {
	defer rows.Close()
	pk := map[int64]string{}
	for rows.Next() {
		var name, typ string
		var notNull bool
		var pos int64
		if err := rows.Scan(&name, &typ, &notNull, &pos); err != nil {
			return err
		}
		f := Field{Name: name, DataType: strings.ToUpper(typ), Sensitivity: guessSensitivity(name)}
		if notNull {
			f.Nullable = new(bool)
		}
		if isTimeType(f.DataType, name) {
			f.Dimension = &Dimension{IsTime: true}
		}
		if pos > 0 {
			pk[pos] = name
		}
		d.Fields = append(d.Fields, f)
	}
	for i := int64(1); i <= int64(len(pk)); i++ {
		d.PrimaryKey = append(d.PrimaryKey, pk[i])
	}
	if len(d.PrimaryKey) == 1 {
		d.Field(d.PrimaryKey[0]).Unique = true
	}
	return rows.Err()
}

func importForeignKeys(ctx context.Context, db *sql.DB, d *Dataset) error {
	rows, err := db.QueryContext(ctx, `SELECT id, "table", "from", coalesce("to", '') FROM pragma_foreign_key_list(?) ORDER BY id, seq`, d.Name)
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	return scanForeignKeys(rows, d)
}

// scanForeignKeys adds the foreign keys rows lists — (constraint, referenced
// table, column, referenced column), one row per column, grouped by
// constraint in key order — to d as relationships.
func scanForeignKeys(rows *sql.Rows, d *Dataset) error {
	defer rows.Close()
	byKey := map[string]*Relationship{}
	var order []string
	for rows.Next() {
		var key, to, from, toCol string
		if err := rows.Scan(&key, &to, &from, &toCol); err != nil {
			return err
		}
		r, ok := byKey[key]
		if !ok {
			r = &Relationship{ToDataset: to, Type: "many_to_one"}
			byKey[key] = r
			order = append(order, key)
		}
		r.FromColumns = append(r.FromColumns, from)
		r.ToColumns = append(r.ToColumns, toCol)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, key := range order {
		r := byKey[key]
		r.Name = d.Name + "_" + strings.Join(r.FromColumns, "_") + "_" + r.ToDataset
		d.Relationships = append(d.Relationships, *r)
	}
	return nil
}

// sample fills f's sample values and enum flag from the data of from (a
// quoted table name), in SQL that SQLite and PostgreSQL both run. Sensitive
// columns are never sampled: their values would end up in prompts.
func sample(ctx context.Context, db querier, from string, f *Field, rowCount int64) error {
	if f.Level() == PII || f.Level() == Secret {
		return nil
	}
	col := quoteIdent(f.Name)
	// CAST keeps the stored text: the driver would reformat dates.
	q := fmt.Sprintf("SELECT DISTINCT CAST(%s AS TEXT) FROM %s WHERE %s IS NOT NULL LIMIT %d", col, from, col, maxEnumValues+1)
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("sample %s: %w", f.Name, err)
	}
	defer rows.Close()
	var values []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			return err
		}
		values = append(values, v.String)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	textual := !strings.Contains(f.DataType, "INT") && !strings.Contains(f.DataType, "REAL") && !strings.Contains(f.DataType, "NUM") && !strings.Contains(f.DataType, "FLOAT") && !strings.Contains(f.DataType, "DOUBLE")
	f.IsEnum = textual && len(values) <= maxEnumValues && int64(len(values))*2 <= rowCount && f.Dimension == nil
	n := maxSamples
	if f.IsEnum {
		n = maxEnumValues
	}
	for _, v := range values {
		if len(f.SampleValues) == n {
			break
		}
		f.SampleValues = append(f.SampleValues, truncate(v, maxSampleLen))
	}
	return nil
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var (
	secretName = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|private_?key|credential|hash)`)
	piiName    = regexp.MustCompile(`(?i)(e_?mail|phone|mobile|ssn|social_?security|birth|dob|address|street|postcode|zip_?code|passport|iban|card_?number|ip_?addr|full_?name|first_?name|last_?name|surname)`)
)

// guessSensitivity classifies a column by its name. It only ever raises the
// level: a human lowers it after looking at the data.
func guessSensitivity(name string) Sensitivity {
	switch {
	case secretName.MatchString(name):
		return Secret
	case piiName.MatchString(name):
		return PII
	}
	return ""
}

func isTimeType(typ, name string) bool {
	if strings.Contains(typ, "DATE") || strings.Contains(typ, "TIME") {
		return true
	}
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "_at") || strings.HasSuffix(n, "_date") || n == "date"
}
