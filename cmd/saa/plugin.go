package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/secure-agent/saa/host/plugindev"
	"github.com/secure-agent/saa/manifests"
)

// runPlugin dispatches the plugin author tools.
func runPlugin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: saa plugin build|inspect|pack|keygen|sign|publish ...")
		return 2
	}
	switch args[0] {
	case "build":
		return runPluginBuild(ctx, args[1:], stdout, stderr)
	case "inspect":
		return runPluginInspect(args[1:], stdout, stderr)
	case "pack":
		return runPluginPack(ctx, args[1:], stdout, stderr)
	case "keygen":
		return runPluginKeygen(ctx, args[1:], stdout, stderr)
	case "sign":
		return runPluginSign(ctx, args[1:], stdout, stderr)
	case "publish":
		return runPluginPublish(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "saa plugin: unknown command %q\n", args[0])
	return 2
}

// runPluginBuild builds <dir> to <dir>/<name>.wasm, prints its sha256 and,
// when the plugin has a manifest, pins the hash in it.
func runPluginBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugin build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	manifest := fs.String("manifest", "", "manifest whose sha256 to update (default $SAA_PLUGINS_DIR/<name>.yaml if it exists)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: saa plugin build <dir> [--manifest file]")
		return 2
	}
	dir := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *manifest == "" {
		*manifest = defaultManifest(filepath.Base(filepath.Clean(dir)))
	}
	sha, err := plugindev.BuildPlugin(ctx, dir, *manifest)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, sha)
	return 0
}

// defaultManifest returns the first-party manifest of plugin name, or "" if none.
func defaultManifest(name string) string {
	dir := os.Getenv("SAA_PLUGINS_DIR")
	if dir == "" {
		dir = "manifests"
	}
	path := filepath.Join(dir, name+".yaml")
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// runPluginInspect prints what a manifest declares: everything an admin
// approves when installing the plugin.
func runPluginInspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugin inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the parsed manifest as JSON")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: saa plugin inspect <manifest> [--json]")
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	m, err := manifests.Load(args[0])
	if err != nil {
		return fail(stderr, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(m); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	printCapabilities(stdout, m)
	return 0
}

func printCapabilities(w io.Writer, m *manifests.Manifest) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "plugin\t%s %s by %s\n", m.Name, m.Version, m.Publisher)
	fmt.Fprintf(tw, "wasm\t%s (sha256 %s)\n", m.Wasm.Path, m.Wasm.SHA256)
	fmt.Fprintf(tw, "limits\tmemory %s, timeout %s, output %s\n",
		orDefault(m.Limits.MemoryBytes, sizeString), orDefault(int64(m.Limits.Timeout), func(n int64) string { return m.Limits.Timeout.String() }),
		orDefault(m.Limits.MaxOutput, sizeString))
	fmt.Fprintf(tw, "egress\t%s\n", listOrNone(m.Egress))
	for _, s := range m.Secrets {
		whose := ""
		if s.PerUser {
			whose = " (each user's own " + s.OAuth.Provider + " account)"
		}
		fmt.Fprintf(tw, "secret %s\tsent as %s: %q to %s%s\n", s.Name, s.Header, s.Format, strings.Join(s.Hosts, ", "), whose)
	}
	for _, a := range m.Actions {
		fmt.Fprintf(tw, "action %s\t%s, requires %s\n", a.Name, a.Effect, strings.Join(m.NamespacedScopes(a), " "))
	}
	tw.Flush()
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func orDefault(n int64, format func(int64) string) string {
	if n == 0 {
		return "operator default"
	}
	return format(n)
}

func sizeString(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
