// Package semantic is SAA's semantic layer: warehouse metadata (datasets,
// fields, relationships, metrics, filters, verified queries, hints) kept as
// one YAML file per table, that makes agents write correct SQL.
//
// It loads and validates the layer (Load), bootstraps and re-imports it from
// a SQLite or PostgreSQL database (ImportSQLite, ImportPostgres, Merge), ranks the fields relevant to a
// question and packs them under a token budget (Layer.Context), loads the
// layer into an embedded SQLite catalog queryable by SQL (Catalog), guards
// SQL run on a warehouse (Guard on SQLite, PGGuard on PostgreSQL), and serves plugins' warehouse requests
// through that guard as the calling principal (Warehouse). Package demo
// generates the demo warehouse that models/ describes.
//
// What it must never do: show a caller a dataset or field its scopes do not
// unlock (Access), or let a query through the guard that writes, attaches,
// reads the schema tables, reads a table or column outside the layer, or
// reads a sensitive column without its scope. The guard's control is SQLite's
// own authorizer, consulted while each statement is compiled; the text of
// the SQL is never trusted or pattern-matched. On PostgreSQL the control is
// a read-only role the guard checks before use, a READ ONLY transaction and
// the plan EXPLAIN returns; it must never connect as a role that can write,
// change role or read a column the layer hides.
package semantic
