package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/semantic"
)

// runCall runs one action in-process, as a local Go agent would. Whoever can
// run it already holds the data dir (and so the secrets' master key), so it
// runs with exactly the scopes the action requires.
func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	input := fs.String("input", "{}", "the action's input: JSON, or @file to read it from a file")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: saa call <plugin>.<action> --input JSON|@file")
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	plugin, action, ok := strings.Cut(args[0], ".")
	if !ok || plugin == "" || action == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: saa call <plugin>.<action> --input JSON|@file")
		return 2
	}
	in, err := readInput(*input)
	if err != nil {
		return fail(stderr, err)
	}
	cfg, err := host.DefaultConfig().FromEnv(os.Getenv)
	if err != nil {
		return fail(stderr, err)
	}
	closeWarehouses, err := callWarehouses(&cfg)
	if err != nil {
		return fail(stderr, err)
	}
	defer closeWarehouses()
	rt, err := host.New(ctx, cfg)
	if err != nil {
		return fail(stderr, err)
	}
	defer rt.Close(context.WithoutCancel(ctx))

	p := localPrincipal(rt, plugin, action)
	out, err := rt.Invoke(ctx, p, plugin, action, in)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}

func readInput(s string) ([]byte, error) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
		return b, nil
	}
	if s == "" {
		return nil, errors.New("empty --input")
	}
	return []byte(s), nil
}

// localPrincipal is the operator at the terminal, granted the action's scopes.
func localPrincipal(rt *host.Runtime, plugin, action string) host.Principal {
	p := host.Principal{ClientID: "local", Subject: "local"}
	if u, err := user.Current(); err == nil {
		p.Subject = "local:" + u.Username
	}
	p.Scopes = rt.RequiredScopes(plugin, action)
	return p
}

// callWarehouses binds SAA_WAREHOUSES for a local call, described by the
// layer in SAA_SEMANTIC_DIR (or ./semantic/models).
func callWarehouses(cfg *host.Config) (func(), error) {
	if os.Getenv("SAA_WAREHOUSES") == "" {
		return func() {}, nil
	}
	layer, err := semantic.Load(semanticDir(""))
	if err != nil {
		return nil, err
	}
	ws, closeAll, err := bindWarehouses(os.Getenv, layer)
	if err != nil {
		return nil, err
	}
	cfg.Warehouses = ws
	return closeAll, nil
}
