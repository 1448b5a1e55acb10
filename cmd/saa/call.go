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
	"github.com/secure-agent/saa/host/store"
	"github.com/secure-agent/saa/semantic"
)

const callUsage = "usage: saa call <plugin>.<action> --input JSON|@file [--data-dir DIR] [--server URL (--token T | --client-id ID --client-secret S)]"

// callOptions is a parsed `saa call`.
type callOptions struct {
	plugin, action string
	input          []byte
	dataDir        string
	server         string
	token          string
	clientID       string
	clientSecret   string
}

// runCall runs one action: in-process as a local Go agent would, or, with
// --server, through a running server's REST API with a client's token.
func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseCall(args, stderr)
	if !ok {
		return code
	}
	var out []byte
	var err error
	if o.server != "" {
		out, err = callRemote(ctx, o)
	} else {
		out, err = callLocal(ctx, o)
	}
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}

// parseCall reads the command line; ok is false when the command should
// exit with code.
func parseCall(args []string, stderr io.Writer) (o callOptions, code int, ok bool) {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	input := fs.String("input", "{}", "the action's input: JSON, or @file to read it from a file")
	fs.StringVar(&o.dataDir, "data-dir", "", "data dir of an in-process call (SAA_DATA_DIR)")
	fs.StringVar(&o.server, "server", "", "call through the REST API of the server at this URL instead of in-process")
	fs.StringVar(&o.token, "token", os.Getenv("SAA_TOKEN"), "with --server: access token holding the action's scopes (SAA_TOKEN)")
	fs.StringVar(&o.clientID, "client-id", os.Getenv("SAA_CLIENT_ID"), "with --server: client to get a token for (SAA_CLIENT_ID)")
	fs.StringVar(&o.clientSecret, "client-secret", os.Getenv("SAA_CLIENT_SECRET"), "with --server: its secret (SAA_CLIENT_SECRET)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, callUsage)
		return o, 2, false
	}
	if code, done := parseFlags(fs, args[1:]); done {
		return o, code, false
	}
	var found bool
	o.plugin, o.action, found = strings.Cut(args[0], ".")
	if !found || o.plugin == "" || o.action == "" {
		fmt.Fprintln(stderr, callUsage)
		return o, 2, false
	}
	if o.server != "" && o.token == "" && (o.clientID == "" || o.clientSecret == "") {
		fmt.Fprintln(stderr, "saa call: --server needs a --token or a --client-id and --client-secret")
		return o, 2, false
	}
	in, err := readInput(*input)
	if err != nil {
		return o, fail(stderr, err), false
	}
	o.input = in
	return o, 0, true
}

// callLocal runs the action in-process. Whoever can run it already holds the
// data dir (and so the secrets' master key), so it runs with exactly the
// scopes the action requires. Only the called plugin is compiled.
func callLocal(ctx context.Context, o callOptions) ([]byte, error) {
	cfg, err := host.DefaultConfig().FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	if o.dataDir != "" {
		cfg.DataDir = o.dataDir
	}
	cfg.LoadOnly = []string{o.plugin}
	passwords := &warehousePasswords{}
	closeWarehouses, err := callWarehouses(&cfg, passwords)
	if err != nil {
		return nil, err
	}
	defer closeWarehouses()
	rt, err := host.New(ctx, cfg)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w\nthe data dir %s belongs to a running server: call through it with "+
			"--server URL and --token T (or --client-id ID --client-secret S; SAA_TOKEN, SAA_CLIENT_ID, SAA_CLIENT_SECRET), "+
			"or run in-process on another --data-dir", err, cfg.DataDir)
	}
	if err != nil {
		return nil, err
	}
	defer rt.Close(context.WithoutCancel(ctx))
	passwords.store.Store(rt.Secrets())
	return rt.Invoke(ctx, localPrincipal(rt, o.plugin, o.action), o.plugin, o.action, o.input)
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
func callWarehouses(cfg *host.Config, pw *warehousePasswords) (func(), error) {
	if os.Getenv("SAA_WAREHOUSES") == "" {
		return func() {}, nil
	}
	layer, err := semantic.Load(semanticDir(""))
	if err != nil {
		return nil, err
	}
	ws, closeAll, err := bindWarehouses(os.Getenv, layer, pw)
	if err != nil {
		return nil, err
	}
	cfg.Warehouses = ws
	return closeAll, nil
}
