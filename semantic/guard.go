package semantic

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// Errors of Guard.Query.
var (
	// ErrDenied is a query the policy refuses: a write, ATTACH, PRAGMA, the
	// schema tables, a table or column the caller may not read, a function
	// outside the allowed list.
	ErrDenied = errors.New("query denied")
	// ErrStacked is more than one statement in one query.
	ErrStacked = errors.New("one statement per query")
	// ErrTimeout is a query that ran past its deadline and was interrupted.
	ErrTimeout = errors.New("query deadline exceeded")
)

// Limits bound one guarded query.
type Limits struct {
	// MaxRows rows are returned at most; the rest are dropped (Truncated).
	MaxRows int
	// MaxBytes bounds the values returned, and any one string or blob the
	// engine may build while running the query.
	MaxBytes int
	// Timeout interrupts the query.
	Timeout time.Duration
	// MaxSQL bounds the query text.
	MaxSQL int
}

// withDefaults fills the zero limits from DefaultLimits.
func (lim Limits) withDefaults() Limits {
	if lim.MaxRows <= 0 {
		lim.MaxRows = DefaultLimits.MaxRows
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	if lim.Timeout <= 0 {
		lim.Timeout = DefaultLimits.Timeout
	}
	if lim.MaxSQL <= 0 {
		lim.MaxSQL = DefaultLimits.MaxSQL
	}
	return lim
}

// DefaultLimits suit an agent's question.
var DefaultLimits = Limits{MaxRows: 1000, MaxBytes: 1 << 20, Timeout: 5 * time.Second, MaxSQL: 16 << 10}

// Read is one (table, column) a query read.
type Read struct {
	Table  string `json:"table"`
	Column string `json:"column"`
}

// Result is a guarded query's answer.
type Result struct {
	Columns   []string `json:"columns"`
	Rows      [][]any  `json:"rows"`
	Truncated bool     `json:"truncated,omitempty"`
	// ReadSet is every (table, column) the query read, from the engine.
	ReadSet []Read `json:"read_set"`
}

// Policy says which reads a query may make.
type Policy interface {
	// AllowRead reports whether column of table may be read; column is ""
	// when the engine reads a table without naming a column.
	AllowRead(table, column string) bool
}

// guardDriver is the driver of every guarded database: its connections
// start with an authorizer that denies everything, so a pooled connection
// is closed to queries until Query installs a policy, and again after.
const guardDriver = "saa-semantic-guard"

var registerGuardDriver = sync.OnceFunc(func() {
	d := &sqlite.Driver{}
	d.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		r, ok := c.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the sqlite driver has no authorizer")
		}
		return r.RegisterAuthorizer(denyAll)
	})
	sql.Register(guardDriver, d)
})

func denyAll(sqlite.AuthorizerActionCode, string, string, string, string) sqlite.AuthorizerReturnCode {
	return sqlite.AuthorizerDeny
}

// Guard runs read-only queries on one SQLite database under a Policy.
//
// The control is SQLite's authorizer, consulted for every table, column,
// function and statement as the engine compiles the query: it allows
// SELECT, reads the policy allows, functions on an allow-list and
// recursive CTEs, and denies everything else (writes, ATTACH, PRAGMA,
// CREATE, transactions, the sqlite_ schema tables). The database is also
// opened read-only with query_only set. Stacked statements are refused
// before the engine sees them; rows, bytes and time are bounded.
type Guard struct {
	db  *sql.DB
	lim Limits
	// tables are the database's own tables and views (lowercased), to tell
	// them from the names of CTEs and subqueries.
	tables map[string]bool
}

// OpenGuard opens the SQLite file at path read-only for guarded queries.
func OpenGuard(path string, lim Limits) (*Guard, error) {
	registerGuardDriver()
	tables, err := schemaObjects(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open guarded %s: %w", path, err)
	}
	db, err := sql.Open(guardDriver, readOnlyDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open guarded %s: %w", path, err)
	}
	// Opening a connection opens the file; Ping would run a query, which
	// the closed connection refuses.
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open guarded %s: %w", path, err)
	}
	conn.Close()
	lim = lim.withDefaults()
	return &Guard{db: db, lim: lim, tables: tables}, nil
}

// schemaObjects lists the tables and views of the SQLite file at path.
func schemaObjects(path string) (map[string]bool, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')`)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", path, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[strings.ToLower(name)] = true
	}
	return out, rows.Err()
}

// Close closes the database.
func (g *Guard) Close() error { return g.db.Close() }

// Query runs one read-only statement with args bound to its parameters,
// under p, and returns its rows and read-set.
func (g *Guard) Query(ctx context.Context, p Policy, query string, args ...any) (*Result, error) {
	if len(query) > g.lim.MaxSQL {
		return nil, fmt.Errorf("%w: the query is longer than %d bytes", ErrDenied, g.lim.MaxSQL)
	}
	if err := singleStatement(query); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.lim.Timeout)
	defer cancel()
	conn, err := g.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("guarded query: %w", err)
	}
	defer conn.Close()
	a := &authorizer{policy: p, tables: g.tables}
	if err := setAuthorizer(conn, a.decide); err != nil {
		return nil, err
	}
	// Whatever happens, the connection goes back to the pool closed.
	defer func() { _ = setAuthorizer(conn, denyAll) }()
	if _, err := sqlite.Limit(conn, sqliteLimitLength, g.lim.MaxBytes); err != nil {
		return nil, fmt.Errorf("guarded query: %w", err)
	}
	res, err := g.run(ctx, conn, query, args)
	if err != nil {
		return nil, a.explain(ctx, err)
	}
	res.ReadSet = a.readSet()
	return res, nil
}

// sqliteLimitLength is SQLITE_LIMIT_LENGTH: the longest string or blob.
const sqliteLimitLength = 0

func setAuthorizer(conn *sql.Conn, fn sqlite.AuthorizerFn) error {
	return conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the sqlite driver has no authorizer")
		}
		return r.RegisterAuthorizer(fn)
	})
}

func (g *Guard) run(ctx context.Context, conn *sql.Conn, query string, args []any) (*Result, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, g.lim, nil)
}

// collect reads rows into a Result, closing them, and stops at lim's rows
// or bytes with Truncated set; then it calls stop, if not nil, before
// closing, so a driver that would read the rest of the rows does not.
func collect(rows *sql.Rows, lim Limits, stop func()) (*Result, error) {
	defer rows.Close()
	res, err := collectRows(rows, lim)
	if res != nil && res.Truncated && stop != nil {
		stop()
	}
	return res, err
}

func collectRows(rows *sql.Rows, lim Limits) (*Result, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols, Rows: [][]any{}}
	size := 0
	for rows.Next() {
		if len(res.Rows) == lim.MaxRows {
			res.Truncated = true
			break
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
			size += valueSize(vals[i])
		}
		if size > lim.MaxBytes {
			res.Truncated = true
			break
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

func valueSize(v any) int {
	if s, ok := v.(string); ok {
		return len(s) + 2
	}
	return 8
}

// authorizer is one query's policy and read-set.
type authorizer struct {
	policy Policy
	tables map[string]bool
	reads  []Read
	denied string // the first refusal, for the error
}

func (a *authorizer) decide(action sqlite.AuthorizerActionCode, arg1, arg2, db, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthRead:
		if !a.allowRead(arg1, arg2, db) {
			if arg2 == "" {
				return a.deny(fmt.Sprintf("reading table %s is not allowed", arg1))
			}
			return a.deny(fmt.Sprintf("reading %s.%s is not allowed", arg1, arg2))
		}
		r := Read{Table: arg1, Column: arg2}
		if a.tables[strings.ToLower(arg1)] && !slices.Contains(a.reads, r) {
			a.reads = append(a.reads, r)
		}
		return sqlite.AuthorizerOK
	case sqlite.AuthFunction:
		if allowedFunctions[strings.ToLower(arg2)] {
			return sqlite.AuthorizerOK
		}
		return a.deny(fmt.Sprintf("the function %s is not allowed", arg2))
	}
	return a.deny("only SELECT statements are allowed")
}

// allowRead decides one READ. SQLite reports a read of no column (as in
// COUNT(*)) with column "" and the schema as written in the query, which
// may be empty; such a read of a name that is no table of the database is
// of a CTE or subquery, which reads only what its own reads were allowed.
func (a *authorizer) allowRead(table, column, db string) bool {
	lower := strings.ToLower(table)
	if strings.HasPrefix(lower, "sqlite_") {
		return false
	}
	if column == "" {
		if db != "" && db != "main" {
			return false
		}
		return !a.tables[lower] || a.policy.AllowRead(table, "")
	}
	return db == "main" && a.policy.AllowRead(table, column)
}

func (a *authorizer) deny(reason string) sqlite.AuthorizerReturnCode {
	if a.denied == "" {
		a.denied = reason
	}
	return sqlite.AuthorizerDeny
}

// readSet is the reads, sorted; a read of no column of a table (COUNT(*))
// is listed, with Column "", only when no column of that table was read.
func (a *authorizer) readSet() []Read {
	withColumns := map[string]bool{}
	for _, r := range a.reads {
		if r.Column != "" {
			withColumns[r.Table] = true
		}
	}
	out := slices.DeleteFunc(slices.Clone(a.reads), func(r Read) bool { return r.Column == "" && withColumns[r.Table] })
	slices.SortFunc(out, func(x, y Read) int { return strings.Compare(x.Table+"."+x.Column, y.Table+"."+y.Column) })
	return out
}

// explain turns an engine error into ErrDenied, ErrTimeout or a plain
// query error.
func (a *authorizer) explain(ctx context.Context, err error) error {
	switch {
	case a.denied != "":
		return fmt.Errorf("%w: %s", ErrDenied, a.denied)
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("query: %w", err)
}

// allowedFunctions are SQLite's core, date, math, JSON, aggregate and
// window functions that read nothing but their arguments. Not in the list,
// so refused: load_extension, readfile/writefile/edit and other file
// functions, fts3_tokenizer, randomblob and zeroblob (memory), and any
// function an extension might add.
var allowedFunctions = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(`abs avg changes char coalesce concat concat_ws count
		cume_dist date datetime dense_rank first_value format glob group_concat hex ifnull iif
		instr julianday lag last_value lead length like likelihood likely lower ltrim max min
		nth_value ntile nullif percent_rank printf quote random rank replace round row_number
		rtrim sign soundex strftime string_agg substr substring sum time timediff total trim
		typeof unicode unixepoch unlikely upper
		acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log
		log10 log2 mod pi pow power radians sin sinh sqrt tan tanh trunc
		json json_array json_array_length json_extract json_group_array json_group_object
		json_object json_quote json_type json_valid json_each json_tree median`) {
		m[f] = true
	}
	return m
}()

// singleStatement refuses text holding more than one statement. It follows
// SQLite's tokenizer for strings, quoted identifiers and comments; the
// authorizer would deny a harmful second statement anyway, this makes the
// refusal explicit and early.
func singleStatement(q string) error {
	end := statementEnd(q)
	if end < 0 {
		return nil
	}
	if rest := strings.TrimSpace(stripComments(q[end+1:])); rest != "" {
		return ErrStacked
	}
	return nil
}

// statementEnd is the index of the first ';' outside strings, quoted
// identifiers and comments, or -1.
func statementEnd(q string) int {
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '\'', '"', '`':
			i = skipQuoted(q, i, c)
		case '[':
			if j := strings.IndexByte(q[i:], ']'); j >= 0 {
				i += j
			} else {
				return -1
			}
		case '-':
			if i+1 < len(q) && q[i+1] == '-' {
				if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
					i += j
				} else {
					return -1
				}
			}
		case '/':
			if i+1 < len(q) && q[i+1] == '*' {
				if j := strings.Index(q[i+2:], "*/"); j >= 0 {
					i += j + 3
				} else {
					return -1
				}
			}
		case ';':
			return i
		}
	}
	return -1
}

// skipQuoted returns the index of the quote closing the one at i; a
// doubled quote is an escaped one.
func skipQuoted(q string, i int, quote byte) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j
		}
	}
	return len(q)
}

// stripComments removes -- and /* */ comments from text that holds no
// strings (only what follows a statement's end is passed here; anything
// else there is refused).
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return b.String()
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return b.String()
			}
			i += j + 3
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
