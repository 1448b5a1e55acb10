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
	"os"
	"strings"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/semantic"
	"github.com/secure-agent/saa/semantic/demo"
)

const semanticUsage = `usage:
  saa semantic import --sqlite FILE --out DIR
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
	pg := fs.String("postgres", "", "a PostgreSQL DSN (not supported yet)")
	out := fs.String("out", "", "the directory of the layer's YAML files")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	if *pg != "" {
		return fail(stderr, fmt.Errorf("semantic import: --postgres is not supported yet; import from --sqlite"))
	}
	if *db == "" || *out == "" {
		fmt.Fprint(stderr, semanticUsage)
		return 2
	}
	ds, err := semantic.ImportSQLite(ctx, *db)
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
// ("name=file.sqlite,other=file2.sqlite"), each read-only behind the SQL
// guard and described by layer. close closes them.
func bindWarehouses(getenv func(string) string, layer *semantic.Layer) (ws map[string]host.Warehouse, close func(), err error) {
	spec := getenv("SAA_WAREHOUSES")
	if spec == "" {
		return nil, func() {}, nil
	}
	if layer == nil {
		return nil, nil, errors.New("SAA_WAREHOUSES needs a semantic layer (SAA_SEMANTIC_DIR) to guard them")
	}
	var guards []*semantic.Guard
	close = func() {
		for _, g := range guards {
			g.Close()
		}
	}
	ws = map[string]host.Warehouse{}
	for _, b := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(strings.TrimSpace(b), "=")
		if !ok || name == "" || path == "" || ws[name] != nil {
			close()
			return nil, nil, fmt.Errorf("SAA_WAREHOUSES: %q is not name=file.sqlite (or repeats a name)", b)
		}
		g, err := semantic.OpenGuard(path, semantic.DefaultLimits)
		if err != nil {
			close()
			return nil, nil, fmt.Errorf("SAA_WAREHOUSES: %s: %w", name, err)
		}
		guards = append(guards, g)
		ws[name] = &semantic.Warehouse{Layer: layer, Guard: g}
	}
	return ws, close, nil
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
