package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/store"
)

// runCompact implements `saa compact`: rewrite the database without the
// pages of deleted records. bbolt never shrinks its file; the periodic
// sweep frees pages for reuse, this gives them back to the disk. It needs
// the file to itself, so the server must be stopped.
func runCompact(_ context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := host.DefaultConfig().FromEnv(os.Getenv)
	if err != nil {
		return fail(stderr, err)
	}
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", cfg.DataDir, "the data dir holding saa.db (SAA_DATA_DIR)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: saa compact [--data-dir DIR]   (with the server stopped)")
		return 2
	}
	if cfg.DatabaseURL != "" {
		return fail(stderr, errors.New("SAA_DATABASE_URL is set: saa compact rewrites the embedded bbolt database only; "+
			"PostgreSQL gives space back with its own VACUUM"))
	}
	path := filepath.Join(*dataDir, "saa.db")
	if _, err := os.Stat(path); err != nil {
		return fail(stderr, err)
	}
	before, after, err := store.Compact(path)
	if errors.Is(err, store.ErrLocked) {
		return fail(stderr, fmt.Errorf("%w: stop `saa serve` on this data dir first, then run `saa compact` again", err))
	}
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "compacted %s: %d -> %d bytes\n", path, before, after)
	return 0
}
