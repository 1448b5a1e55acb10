package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/semantic"
	"github.com/secure-agent/saa/semantic/demo"
)

const semanticUsage = `usage:
  saa semantic import (--sqlite FILE | --postgres URL [--schema S]) --out DIR
  saa semantic context "<question>" [--dir DIR] [--budget TOKENS] [--json]
  saa semantic sql "<query>" [--dir DIR]
  saa semantic demo --out FILE      write the demo warehouse semantic/models describes
`

// runSemantic dispatches the semantic-layer sub-commands. They run as the
// operator at the terminal, who sees the whole layer.
func runSemantic(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	switch args[0] {
	case "import":
		return runSemanticImport(ctx, args[1:], stdout, stderr)
	case "context":
		return runSemanticContext(args[1:], stdout, stderr)
	case "sql":
		return runSemanticSQL(ctx, args[1:], stdout, stderr)
	case "demo":
		return runSemanticDemo(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, semanticUsage)
	return 2
}

func runSemanticImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("semantic import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("sqlite", "", "the SQLite database file to import (opened read-only)")
	pg := fs.String("postgres", "", "a PostgreSQL URL to import (read in a read-only transaction; the password from PGPASSWORD)")
	schema := fs.String("schema", "public", "with --postgres: the schema whose tables to import")
	out := fs.String("out", "", "the directory of the layer's YAML files")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	if (*db == "") == (*pg == "") || *out == "" {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	var ds []*semantic.Dataset
	var err error
	if *pg != "" {
		ds, err = semantic.ImportPostgres(ctx, *pg, *schema)
	} else {
		ds, err = semantic.ImportSQLite(ctx, *db)
	}
	if err != nil {
		return fail(stderr, err)
	}
	rep, err := semantic.ImportInto(*out, ds)
	if err != nil {
		return fail(stderr, err)
	}
	printDrift(stdout, rep)
	return 0
}

func printDrift(w io.Writer, rep *semantic.ImportReport) {
	fmt.Fprintf(w, "wrote %d files\n", len(rep.Written))
	for _, d := range rep.Drift {
		if d.New {
			fmt.Fprintf(w, "new dataset %s\n", d.Dataset)
			continue
		}
		for _, c := range d.Added {
			fmt.Fprintf(w, "%s: column added: %s\n", d.Dataset, c)
		}
		for _, c := range d.Dropped {
			fmt.Fprintf(w, "%s: column dropped: %s\n", d.Dataset, c)
		}
		for _, c := range d.Retyped {
			fmt.Fprintf(w, "%s: column retyped: %s\n", d.Dataset, c)
		}
	}
	for _, m := range rep.Missing {
		fmt.Fprintf(w, "%s: table gone from the database (file kept)\n", m)
	}
}

// semanticDir is --dir, else SAA_SEMANTIC_DIR, else ./semantic/models.
func semanticDir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("SAA_SEMANTIC_DIR"); v != "" {
		return v
	}
	return defaultSemanticDir
}

// positionalFirst moves a leading positional argument after the flags, so
// that `saa semantic context "question" --json` parses like its flags-first
// form.
func positionalFirst(args []string) ([]string, string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[1:], args[0]
	}
	return args, ""
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runSemanticContext(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("semantic context", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the layer's directory (default $SAA_SEMANTIC_DIR or ./semantic/models)")
	budget := fs.Int("budget", semantic.DefaultBudget, "the most tokens the context may take")
	asJSON := fs.Bool("json", false, "print the context as JSON instead of the prompt block")
	rest, question := positionalFirst(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if question == "" && fs.NArg() == 1 {
		question = fs.Arg(0)
	} else if fs.NArg() > 0 || question == "" {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	l, err := semantic.Load(semanticDir(*dir))
	if err != nil {
		return fail(stderr, err)
	}
	c := l.Context(question, semantic.Everything(), *budget)
	if *asJSON {
		if err := writeJSON(stdout, c); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	fmt.Fprint(stdout, c.Prompt)
	return 0
}

// defaultSemanticDir is SAA_SEMANTIC_DIR's default.
const defaultSemanticDir = "./semantic/models"

// loadSemanticLayer loads the layer `saa serve` serves. A missing default
// directory means no layer; a missing chosen one, or any invalid file, is
// an error, so a typo does not silently serve nothing.
func loadSemanticLayer(cfg serveConfig, log *slog.Logger) (*semantic.Layer, error) {
	if _, err := os.Stat(cfg.semanticDir); errors.Is(err, fs.ErrNotExist) && !cfg.semanticSet {
		log.Info("no semantic layer", "dir", cfg.semanticDir)
		return nil, nil
	}
	l, err := semantic.Load(cfg.semanticDir)
	if err != nil {
		return nil, err
	}
	log.Info("semantic layer loaded", "dir", cfg.semanticDir, "datasets", len(l.Datasets))
	return l, nil
}

// runSemanticSQL runs one read-only query on the layer's catalog (the sl_
// tables) and prints the result as JSON.
func runSemanticSQL(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("semantic sql", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the layer's directory (default $SAA_SEMANTIC_DIR or ./semantic/models)")
	rest, query := positionalFirst(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if query == "" && fs.NArg() == 1 {
		query = fs.Arg(0)
	} else if fs.NArg() > 0 || query == "" {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	l, err := semantic.Load(semanticDir(*dir))
	if err != nil {
		return fail(stderr, err)
	}
	c, err := semantic.OpenCatalog(ctx, l, semantic.Everything())
	if err != nil {
		return fail(stderr, err)
	}
	defer c.Close()
	res, err := c.Query(ctx, query)
	if err != nil {
		return fail(stderr, err)
	}
	if err := writeJSON(stdout, res); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// bindWarehouses opens the warehouses SAA_WAREHOUSES binds
// ("name=file.sqlite,other=postgres://role@host/db"), each read-only
// behind its SQL guard and described by layer. A PostgreSQL warehouse's
// password is its secret in the reserved "semantic" namespace of the
// secret store (semantic/<name>), which pw reads once the runtime is up;
// a password in the variable is refused. close closes them.
func bindWarehouses(getenv func(string) string, layer *semantic.Layer, pw *warehousePasswords) (ws map[string]host.Warehouse, close func(), err error) {
	spec := getenv("SAA_WAREHOUSES")
	if spec == "" {
		return nil, func() {}, nil
	}
	if layer == nil {
		return nil, nil, errors.New("SAA_WAREHOUSES needs a semantic layer (SAA_SEMANTIC_DIR) to guard them")
	}
	var closers []io.Closer
	close = func() {
		for _, c := range closers {
			c.Close()
		}
	}
	ws = map[string]host.Warehouse{}
	for _, b := range strings.Split(spec, ",") {
		name, target, ok := strings.Cut(strings.TrimSpace(b), "=")
		if !ok || name == "" || target == "" || ws[name] != nil {
			close()
			return nil, nil, fmt.Errorf("SAA_WAREHOUSES: %q is not name=file.sqlite or name=postgres://... (or repeats a name)", redactDSN(b))
		}
		g, err := openWarehouse(name, target, layer, pw)
		if err != nil {
			close()
			return nil, nil, fmt.Errorf("SAA_WAREHOUSES: %s: %w", name, err)
		}
		closers = append(closers, g)
		ws[name] = &semantic.Warehouse{Layer: layer, Guard: g}
	}
	return ws, close, nil
}

// guardCloser is a guard the binding closes.
type guardCloser interface {
	semantic.Querier
	io.Closer
}

func openWarehouse(name, target string, layer *semantic.Layer, pw *warehousePasswords) (guardCloser, error) {
	if !isPostgresDSN(target) {
		return semantic.OpenGuard(target, semantic.DefaultLimits)
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, errors.New("the PostgreSQL URL does not parse")
	}
	if _, set := u.User.Password(); set {
		return nil, fmt.Errorf("put the password in the secret store (semantic/%s), not in SAA_WAREHOUSES", name)
	}
	if pw == nil {
		return nil, errors.New("a PostgreSQL warehouse needs the secret store")
	}
	return semantic.OpenPostgresGuard(target, layer, semantic.PGOptions{
		Schema: u.Query().Get("search_path"), Password: pw.of(name), Limits: semantic.DefaultLimits,
	})
}

func isPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// redactDSN hides a password written in a binding, for error messages.
func redactDSN(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.IndexByte(s[i:], '@'); at >= 0 {
			return s[:i+3] + "***" + s[i+at:]
		}
	}
	return s
}

// warehousePasswords gives PostgreSQL warehouses their passwords from the
// runtime's secret store, which exists only after the warehouses are
// bound: the guards connect lazily and ask on each new connection.
type warehousePasswords struct{ store atomic.Pointer[secrets.Store] }

// WarehouseSecretNamespace is the secret-store namespace of PostgreSQL
// warehouse passwords, reserved so no plugin can bind them to its hosts.
const warehouseSecretNamespace = "semantic"

func (w *warehousePasswords) of(name string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		s := w.store.Load()
		if s == nil {
			return "", errors.New("the secret store is not open yet")
		}
		return s.Get(ctx, warehouseSecretNamespace, name)
	}
}

// warehouseSecrets declares the password of each PostgreSQL warehouse
// SAA_WAREHOUSES binds, so an admin can set it
// (PUT /admin/api/v1/secrets/semantic/<name>).
func warehouseSecrets(getenv func(string) string) []registry.DeclaredSecret {
	var out []registry.DeclaredSecret
	for _, b := range strings.Split(getenv("SAA_WAREHOUSES"), ",") {
		name, target, _ := strings.Cut(strings.TrimSpace(b), "=")
		if name != "" && isPostgresDSN(target) {
			out = append(out, registry.DeclaredSecret{Plugin: warehouseSecretNamespace, Name: name, Hosts: []string{}, Declared: true})
		}
	}
	return out
}

// runSemanticDemo writes the demo warehouse that semantic/models describes.
func runSemanticDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("semantic demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "the SQLite file to create")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *out == "" {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	if _, err := os.Stat(*out); err == nil {
		return fail(stderr, fmt.Errorf("semantic demo: %s exists", *out))
	}
	if err := demo.Build(ctx, *out, 1); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "wrote the demo warehouse to %s\n", *out)
	return 0
}
