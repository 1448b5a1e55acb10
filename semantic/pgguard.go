package semantic

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrUnsafeRole is a PostgreSQL role that may do more than read what the
// semantic layer shows every caller: the guard refuses to use it.
var ErrUnsafeRole = errors.New("the warehouse role is not read-only enough")

// PGOptions configure a PostgreSQL warehouse.
type PGOptions struct {
	// Schema holds the layer's tables ("" is public).
	Schema string
	// Password, when set, is asked for at each new connection, so the
	// password stays in the secret store and out of the DSN.
	Password func(ctx context.Context) (string, error)
	Limits   Limits
}

// PGGuard runs read-only queries on one PostgreSQL database under a
// Policy.
//
// The real control is the role it connects as, which the operator made
// read-only; the guard checks that role before its first query and
// refuses a superuser, a member of any other role, a role that may
// write, create or read server files, and a role that may SELECT a column
// the layer hides from some caller. Every query then runs alone (the
// extended protocol refuses stacked statements) in a READ ONLY
// transaction with SET LOCAL statement_timeout and the layer's schema as
// search_path, after an EXPLAIN whose plan must read only the layer's
// tables the caller may see; rows and bytes are capped.
type PGGuard struct {
	db     *sql.DB
	schema string
	layer  *Layer
	lim    Limits

	mu       sync.Mutex
	verified bool
}

// OpenPostgresGuard prepares a guard on the database dsn names, for the
// tables layer describes. It connects lazily: the role is verified on the
// first query (or by Verify).
func OpenPostgresGuard(dsn string, layer *Layer, opt PGOptions) (*PGGuard, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's error may quote the DSN, password included.
		return nil, errors.New("open postgres: the DSN does not parse")
	}
	if opt.Schema == "" {
		opt.Schema = "public"
	}
	lim := opt.Limits.withDefaults()
	// Never the simple protocol: the extended one runs one statement.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	cfg.RuntimeParams["search_path"] = quotePG(opt.Schema)
	cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(lim.Timeout.Milliseconds())
	cfg.RuntimeParams["application_name"] = "saa-warehouse"
	var opts []stdlib.OptionOpenDB
	if opt.Password != nil {
		opts = append(opts, stdlib.OptionBeforeConnect(func(ctx context.Context, c *pgx.ConnConfig) error {
			pw, err := opt.Password(ctx)
			if err != nil {
				return fmt.Errorf("warehouse password: %w", err)
			}
			c.Password = pw
			return nil
		}))
	}
	db := stdlib.OpenDB(*cfg, opts...)
	db.SetMaxOpenConns(8)
	return &PGGuard{db: db, schema: opt.Schema, layer: layer, lim: lim}, nil
}

// Close closes the connections.
func (g *PGGuard) Close() error { return g.db.Close() }

// quotePG quotes name as a PostgreSQL identifier.
func quotePG(name string) string { return quoteIdent(name) }

// Verify checks the role once; a failure is retried on the next call.
func (g *PGGuard) Verify(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.verified {
		return nil
	}
	if err := g.checkRole(ctx); err != nil {
		return err
	}
	g.verified = true
	return nil
}

// checkRole refuses a role that could do more than read.
func (g *PGGuard) checkRole(ctx context.Context) error {
	var super, bypass, member bool
	var name string
	err := g.db.QueryRowContext(ctx, `SELECT r.rolname, r.rolsuper, r.rolbypassrls,
			EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&name, &super, &bypass, &member)
	if err != nil {
		return fmt.Errorf("check warehouse role: %w", err)
	}
	switch {
	case super:
		return fmt.Errorf("%w: %s is a superuser", ErrUnsafeRole, name)
	case bypass:
		return fmt.Errorf("%w: %s bypasses row-level security", ErrUnsafeRole, name)
	case member:
		return fmt.Errorf("%w: %s is a member of another role (SET ROLE could leave read-only)", ErrUnsafeRole, name)
	}
	checks := []struct{ q, what string }{
		{`SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			AND (has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
				OR has_any_column_privilege(c.oid, 'INSERT, UPDATE')) LIMIT 1`, "may write %s"},
		{`SELECT nspname FROM pg_namespace WHERE has_schema_privilege(oid, 'CREATE') LIMIT 1`, "may create objects in schema %s"},
		// A SECURITY DEFINER function runs with its owner's rights, and
		// these extensions reach other servers or files: the plan shows
		// neither, so the role must not be able to call them.
		{`SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE has_function_privilege(p.oid, 'EXECUTE') AND (
				(p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema'))
				OR EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
					WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
					AND e.extname IN ('dblink', 'postgres_fdw', 'file_fdw', 'adminpack', 'lo', 'pg_stat_statements')))
			LIMIT 1`, "may call %s"},
	}
	for _, c := range checks {
		var obj string
		err := g.db.QueryRowContext(ctx, c.q).Scan(&obj)
		if err == nil {
			return fmt.Errorf("%w: %s "+c.what, ErrUnsafeRole, name, obj)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check warehouse role: %w", err)
		}
	}
	return g.checkHiddenColumns(ctx, name)
}

// checkHiddenColumns refuses a role that may SELECT a column of a layer
// table that the layer does not show to a caller holding no scope: the
// guard cannot tell from a plan every column a query reads, so the role's
// column privileges must hide what the layer hides.
func (g *PGGuard) checkHiddenColumns(ctx context.Context, role string) error {
	nobody := WithScopes(nil)
	for _, d := range g.layer.Datasets {
		open := map[string]bool{}
		if nobody.SeesDataset(d) {
			for i := range d.Fields {
				f := &d.Fields[i]
				if nobody.SeesField(d, f) && (f.Expression == "" || isIdent(f.Expression)) {
					open[strings.ToLower(f.Column())] = true
				}
			}
		}
		rows, err := g.db.QueryContext(ctx, `SELECT a.attname FROM pg_attribute a
			WHERE a.attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2)) AND a.attnum > 0
			AND NOT a.attisdropped AND has_column_privilege(a.attrelid, a.attnum, 'SELECT')
			ORDER BY a.attnum`, g.schema, d.Table())
		if err != nil {
			return fmt.Errorf("check warehouse role: %w", err)
		}
		var readable []string
		for rows.Next() {
			var col string
			if err := rows.Scan(&col); err != nil {
				rows.Close()
				return err
			}
			if !open[strings.ToLower(col)] {
				readable = append(readable, col)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(readable) > 0 {
			return fmt.Errorf("%w: %s may read %s.(%s), which the layer hides from some callers; grant SELECT on the shown columns only",
				ErrUnsafeRole, role, d.Table(), strings.Join(readable, ", "))
		}
	}
	return nil
}

// readingStatement is how a query may begin (after comments).
var readingStatement = regexp.MustCompile(`(?i)^\s*(select|with|values|table)\b`)

// Query runs one read-only statement with args bound to its parameters,
// under p, and returns its rows and read-set.
func (g *PGGuard) Query(ctx context.Context, p Policy, query string, args ...any) (*Result, error) {
	if len(query) > g.lim.MaxSQL {
		return nil, fmt.Errorf("%w: the query is longer than %d bytes", ErrDenied, g.lim.MaxSQL)
	}
	if err := singleStatement(query); err != nil {
		return nil, err
	}
	if !readingStatement.MatchString(stripComments(query)) {
		return nil, fmt.Errorf("%w: only SELECT statements are allowed", ErrDenied)
	}
	if err := g.Verify(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.lim.Timeout+g.lim.Timeout/2)
	defer cancel()
	tx, err := g.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("guarded query: %w", err)
	}
	defer tx.Rollback()
	// SET LOCAL for this transaction only, in one round trip.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('statement_timeout', $1, true), set_config('search_path', $2, true)`,
		fmt.Sprint(g.lim.Timeout.Milliseconds()), quotePG(g.schema)); err != nil {
		return nil, fmt.Errorf("guarded query: %w", err)
	}
	reads, err := g.explain(ctx, tx, p, query, args)
	if err != nil {
		return nil, pgError(ctx, err)
	}
	// Cancelling stops the server producing rows past the limits (pgx
	// would otherwise read them all to close the rows); the connection is
	// then dropped from the pool.
	qctx, stop := context.WithCancel(ctx)
	defer stop()
	rows, err := tx.QueryContext(qctx, query, args...)
	if err != nil {
		return nil, pgError(ctx, err)
	}
	res, err := collect(rows, g.lim, stop)
	if err != nil {
		return nil, pgError(ctx, err)
	}
	res.ReadSet = reads
	return res, nil
}

// pgError turns a server error into ErrDenied, ErrStacked, ErrTimeout or
// a plain query error.
func pgError(ctx context.Context, err error) error {
	if errors.Is(err, ErrDenied) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "42601" && strings.Contains(pe.Message, "multiple commands"):
			return ErrStacked
		case pe.Code == "57014":
			return fmt.Errorf("%w: %s", ErrTimeout, pe.Message)
		case pe.Code == "42501" || pe.Code == "25006" || strings.HasPrefix(pe.Code, "0A"):
			return fmt.Errorf("%w: %s", ErrDenied, pe.Message)
		}
		return fmt.Errorf("query: %s", pe.Message)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("query: %w", err)
}

// planNode is the part of an EXPLAIN (VERBOSE, FORMAT JSON) node the
// guard reads; the rest of a node is kept raw to find column references.
type planNode map[string]any

// explain plans query and refuses the plan unless every relation it scans
// is a table of the layer's schema p lets the caller read, it modifies
// nothing, and every column it names of a table p allows. It returns the
// read-set: the tables scanned and the columns the plan names of them.
func (g *PGGuard) explain(ctx context.Context, tx *sql.Tx, p Policy, query string, args []any) ([]Read, error) {
	var raw []byte
	if err := tx.QueryRowContext(ctx, "EXPLAIN (VERBOSE, FORMAT JSON) "+query, args...).Scan(&raw); err != nil {
		return nil, err
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("%w: the plan does not parse", ErrDenied)
	}
	w := &planWalk{policy: p, schema: g.schema, aliases: map[string]string{}}
	if err := w.scans(plans[0].Plan); err != nil {
		return nil, err
	}
	if err := w.columns(plans[0].Plan, true); err != nil {
		return nil, err
	}
	return w.readSet(), nil
}

// planWalk is one plan's check.
type planWalk struct {
	policy  Policy
	schema  string
	aliases map[string]string // plan alias -> table
	reads   []Read
}

// allowedScanFunctions may appear as a plan's Function Scan: they read
// nothing but their arguments.
var allowedScanFunctions = map[string]bool{
	"generate_series": true, "unnest": true, "generate_subscripts": true, "string_to_table": true,
	"regexp_matches": true, "json_each": true, "json_each_text": true, "jsonb_each": true,
	"jsonb_each_text": true, "json_array_elements": true, "jsonb_array_elements": true,
	"json_array_elements_text": true, "jsonb_array_elements_text": true,
}

// scans checks every node's relation and collects the aliases.
func (w *planWalk) scans(n planNode) error {
	switch t, _ := n["Node Type"].(string); t {
	case "ModifyTable", "LockRows":
		return fmt.Errorf("%w: only reads are allowed", ErrDenied)
	case "Function Scan", "Table Function Scan":
		fn, _ := n["Function Name"].(string)
		if !allowedScanFunctions[fn] {
			return fmt.Errorf("%w: the function %s is not allowed in FROM", ErrDenied, fn)
		}
	}
	if rel, ok := n["Relation Name"].(string); ok {
		schema, _ := n["Schema"].(string)
		if schema != w.schema || !w.policy.AllowRead(rel, "") {
			return fmt.Errorf("%w: reading table %s.%s is not allowed", ErrDenied, schema, rel)
		}
		alias, _ := n["Alias"].(string)
		if alias == "" {
			alias = rel
		}
		w.aliases[alias] = rel
		w.add(Read{Table: rel})
	}
	for _, c := range children(n) {
		if err := w.scans(c); err != nil {
			return err
		}
	}
	return nil
}

func children(n planNode) []planNode {
	list, _ := n["Plans"].([]any)
	var out []planNode
	for _, c := range list {
		if m, ok := c.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// columnRef is alias.column as EXPLAIN VERBOSE prints it, either part
// quoted when it must be.
var columnRef = regexp.MustCompile(`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\.("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*|\*)`)

// copiesTlist are the nodes that pass their child's rows on unchanged.
var copiesTlist = map[string]bool{"Hash": true, "Materialize": true, "Memoize": true}

// columns finds the table columns every expression of every node names
// (outputs, filters, conditions, keys) and checks them against the policy.
// The Output of a scan below the top, and of a node that copies its
// child's, is skipped: the planner may scan every column of a table (a
// "physical tlist") when the node above projects, so it over-states what
// the query reads; the nodes above name what they use.
func (w *planWalk) columns(n planNode, top bool) error {
	_, scan := n["Relation Name"]
	kind, _ := n["Node Type"].(string)
	skipOutput := !top && (scan || copiesTlist[kind])
	for k, v := range n {
		if k == "Plans" || (k == "Output" && skipOutput) {
			continue
		}
		for _, s := range texts(v) {
			for _, m := range columnRef.FindAllStringSubmatch(s, -1) {
				table, ok := w.aliases[unquotePG(m[1])]
				if !ok {
					continue
				}
				col := unquotePG(m[2])
				if col == "*" {
					return fmt.Errorf("%w: whole-row references to %s are not allowed", ErrDenied, table)
				}
				if !w.policy.AllowRead(table, col) {
					return fmt.Errorf("%w: reading %s.%s is not allowed", ErrDenied, table, col)
				}
				w.add(Read{Table: table, Column: col})
			}
		}
	}
	for _, c := range children(n) {
		if err := w.columns(c, false); err != nil {
			return err
		}
	}
	return nil
}

// texts are the strings of a JSON value: a string or a list of them.
func texts(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func unquotePG(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

func (w *planWalk) add(r Read) {
	if !slices.Contains(w.reads, r) {
		w.reads = append(w.reads, r)
	}
}

// readSet is the reads sorted; a table is listed with Column "" only when
// the plan names none of its columns (as in count(*)).
func (w *planWalk) readSet() []Read {
	a := authorizer{reads: w.reads}
	return a.readSet()
}
