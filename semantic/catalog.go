package semantic

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// catalogSchema is the layer as SQL tables. Lists are JSON arrays, so
// json_each can unnest them.
var catalogSchema = []string{
	`CREATE TABLE sl_datasets (name TEXT PRIMARY KEY, "table" TEXT, description TEXT, primary_key TEXT,
		row_count INTEGER, synonyms TEXT, instructions TEXT, file TEXT)`,
	`CREATE TABLE sl_fields (dataset TEXT, name TEXT, position INTEGER, expression TEXT, datatype TEXT,
		description TEXT, role TEXT, is_time INTEGER, is_enum INTEGER, is_unique INTEGER, sample_values TEXT,
		synonyms TEXT, sensitivity TEXT, instructions TEXT, PRIMARY KEY (dataset, name))`,
	`CREATE TABLE sl_relationships (dataset TEXT, name TEXT, from_columns TEXT, to_dataset TEXT, to_columns TEXT,
		type TEXT, description TEXT)`,
	`CREATE TABLE sl_metrics (dataset TEXT, name TEXT, expression TEXT, description TEXT, synonyms TEXT)`,
	`CREATE TABLE sl_filters (dataset TEXT, name TEXT, expression TEXT, description TEXT, synonyms TEXT)`,
	`CREATE TABLE sl_verified_queries (dataset TEXT, name TEXT, question TEXT, sql TEXT, verified_by TEXT, verified_at TEXT)`,
}

// Catalog is the layer loaded into an embedded SQLite database, so that a
// local agent can query it with SQL: SELECT name, description FROM
// sl_fields WHERE dataset = 'tickets'. It holds only what the access it was
// built for may see, and its queries go through a Guard that allows
// reading the sl_ tables and nothing else.
type Catalog struct {
	g   *Guard
	dir string
}

// catalogPolicy allows the sl_ tables and the JSON table functions.
var catalogPolicy = PolicyFunc(func(table, _ string) bool {
	t := strings.ToLower(table)
	return strings.HasPrefix(t, "sl_") || t == "json_each" || t == "json_tree"
})

// OpenCatalog builds the catalog of what a may see of l, in a temporary
// file that Close removes.
func OpenCatalog(ctx context.Context, l *Layer, a Access) (*Catalog, error) {
	dir, err := os.MkdirTemp("", "saa-semantic-catalog-")
	if err != nil {
		return nil, fmt.Errorf("build catalog: %w", err)
	}
	path := filepath.Join(dir, "catalog.sqlite")
	if err := buildCatalog(ctx, path, a.Visible(l)); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	g, err := OpenGuard(path, DefaultLimits)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return &Catalog{g: g, dir: dir}, nil
}

// Query runs one read-only statement on the catalog.
func (c *Catalog) Query(ctx context.Context, query string, args ...any) (*Result, error) {
	return c.g.Query(ctx, catalogPolicy, query, args...)
}

// Close closes and removes the catalog.
func (c *Catalog) Close() error { return errors.Join(c.g.Close(), os.RemoveAll(c.dir)) }

func buildCatalog(ctx context.Context, path string, ds []*Dataset) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return fmt.Errorf("build catalog: %w", err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("build catalog: %w", err)
	}
	defer tx.Rollback()
	w := &catalogWriter{ctx: ctx, tx: tx}
	for _, s := range catalogSchema {
		w.exec(s)
	}
	for _, d := range ds {
		w.dataset(d)
	}
	if w.err != nil {
		return fmt.Errorf("build catalog: %w", w.err)
	}
	return tx.Commit()
}

type catalogWriter struct {
	ctx context.Context
	tx  *sql.Tx
	err error
}

func (w *catalogWriter) exec(q string, args ...any) {
	if w.err == nil {
		_, w.err = w.tx.ExecContext(w.ctx, q, args...)
	}
}

func (w *catalogWriter) dataset(d *Dataset) {
	w.exec(`INSERT INTO sl_datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.Name, d.Table(), d.Description,
		jsonList(d.PrimaryKey), d.RowCount, jsonList(d.Synonyms), hint(d.AIContext), d.file)
	for i, f := range d.Fields {
		w.exec(`INSERT INTO sl_fields VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.Name, f.Name, i+1,
			f.Expression, f.DataType, f.Description, f.Role, f.Dimension != nil && f.Dimension.IsTime, f.IsEnum, f.Unique,
			jsonList(f.SampleValues), jsonList(f.Synonyms), string(f.Level()), hint(f.AIContext))
	}
	for _, r := range d.Relationships {
		w.exec(`INSERT INTO sl_relationships VALUES (?, ?, ?, ?, ?, ?, ?)`, d.Name, r.Name, jsonList(r.FromColumns),
			r.ToDataset, jsonList(r.ToColumns), r.Type, r.Description)
	}
	for _, m := range d.Metrics {
		w.exec(`INSERT INTO sl_metrics VALUES (?, ?, ?, ?, ?)`, d.Name, m.Name, m.Expression, m.Description, jsonList(m.Synonyms))
	}
	for _, f := range d.Filters {
		w.exec(`INSERT INTO sl_filters VALUES (?, ?, ?, ?, ?)`, d.Name, f.Name, f.Expression, f.Description, jsonList(f.Synonyms))
	}
	for _, q := range d.VerifiedQueries {
		w.exec(`INSERT INTO sl_verified_queries VALUES (?, ?, ?, ?, ?, ?)`, d.Name, q.Name, q.Question, q.SQL, q.VerifiedBy, q.VerifiedAt)
	}
}

func jsonList(xs []string) string {
	if xs == nil {
		xs = []string{}
	}
	b, _ := json.Marshal(xs) // a []string always marshals
	return string(b)
}
