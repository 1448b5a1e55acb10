package semantic

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// exactCountBelow is the estimated size under which an import counts a
// PostgreSQL table's rows; larger tables keep the planner's estimate.
const exactCountBelow = 1_000_000

// ImportPostgres reads the schema and a little of the data of the tables
// of schema ("" is public) of the PostgreSQL database dsn names, in one
// read-only transaction, and returns one dataset per table, as
// ImportSQLite does: names, types, primary keys, foreign keys as
// relationships, row counts (the planner's estimate for large tables),
// sample values and enum detection.
func ImportPostgres(ctx context.Context, dsn, schema string) ([]*Dataset, error) {
	if schema == "" {
		schema = "public"
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("import postgres: %w", err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("import postgres: %w", err)
	}
	defer tx.Rollback()
	tables, err := pgTables(ctx, tx, schema)
	if err != nil {
		return nil, fmt.Errorf("import postgres: %w", err)
	}
	var out []*Dataset
	for _, t := range tables {
		d, err := pgImportTable(ctx, tx, schema, t)
		if err != nil {
			return nil, fmt.Errorf("import postgres: table %s: %w", t.name, err)
		}
		out = append(out, d)
	}
	return out, nil
}

type pgTable struct {
	oid      int64
	name     string
	estimate float64
}

func pgTables(ctx context.Context, tx *sql.Tx, schema string) ([]pgTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.oid::int8, c.relname, c.reltuples::float8
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		ORDER BY c.relname`, schema)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []pgTable
	for rows.Next() {
		var t pgTable
		if err := rows.Scan(&t.oid, &t.name, &t.estimate); err != nil {
			return nil, err
		}
		if len(out) == maxImportTable {
			return nil, fmt.Errorf("more than %d tables", maxImportTable)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func pgImportTable(ctx context.Context, tx *sql.Tx, schema string, t pgTable) (*Dataset, error) {
	d := &Dataset{Name: t.name}
	if err := pgColumns(ctx, tx, t.oid, d); err != nil {
		return nil, err
	}
	if err := pgForeignKeys(ctx, tx, t.oid, d); err != nil {
		return nil, err
	}
	from := quoteIdent(schema) + "." + quoteIdent(t.name)
	if t.estimate >= exactCountBelow {
		d.RowCount = int64(t.estimate)
	} else if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+from).Scan(&d.RowCount); err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	if d.RowCount == 0 {
		return d, nil
	}
	for i := range d.Fields {
		if err := sample(ctx, tx, from, &d.Fields[i], d.RowCount); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func pgColumns(ctx context.Context, tx *sql.Tx, oid int64, d *Dataset) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
			coalesce((SELECT k.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
				WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0)::int8
		FROM pg_attribute a
		WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, oid)
	if err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	return scanColumns(rows, d)
}

func pgForeignKeys(ctx context.Context, tx *sql.Tx, oid int64, d *Dataset) error {
	rows, err := tx.QueryContext(ctx, `SELECT con.conname, ref.relname, a.attname, af.attname
		FROM pg_constraint con
		JOIN unnest(con.conkey, con.confkey) WITH ORDINALITY k(fromnum, tonum, ord) ON true
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.fromnum
		JOIN pg_attribute af ON af.attrelid = con.confrelid AND af.attnum = k.tonum
		JOIN pg_class ref ON ref.oid = con.confrelid
		WHERE con.conrelid = $1::int8::oid AND con.contype = 'f'
		ORDER BY con.conname, k.ord`, oid)
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	return scanForeignKeys(rows, d)
}
