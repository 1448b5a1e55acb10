package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/manifests"
)

// scopePublish is the scope `saa plugin publish` asks for; it matches
// adminapi.ScopePublish.
const scopePublish = "plugins:publish"

// publishPath is where bundles are uploaded.
const publishPath = "/admin/api/v1/plugins"

// runPluginPack bundles a plugin's manifest and module:
// `saa plugin pack <dir|manifest> [--out file]`.
func runPluginPack(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugin pack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "bundle file to write (default <name>-<version>.tar.gz)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: saa plugin pack <dir|manifest> [--out file]")
		return 2
	}
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	b, err := bundleFromPath(args[0])
	if err != nil {
		return fail(stderr, err)
	}
	if *out == "" {
		*out = b.Manifest.Name + "-" + b.Manifest.Version + ".tar.gz"
	}
	if err := writeBundle(*out, b); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: %s %s, module sha256 %s (%d bytes), unsigned\n", *out, b.Manifest.Name, b.Manifest.Version, b.Manifest.Wasm.SHA256, len(b.Wasm))
	return 0
}

// bundleFromPath reads a manifest (or the one manifest in a folder) and the
// module it pins.
func bundleFromPath(path string) (*bundle.Bundle, error) {
	file, err := findManifest(path)
	if err != nil {
		return nil, err
	}
	raw, err := readFileBounded(file, manifests.MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := manifests.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", file, err)
	}
	dir := filepath.Dir(file)
	wasmPath, err := manifests.Loaded{Manifest: m, File: file}.WasmFile(filepath.Dir(dir))
	if err != nil {
		return nil, err
	}
	wasm, err := manifests.ReadWasm(wasmPath, m.Wasm.SHA256, bundle.DefaultMaxWasm)
	if err != nil {
		return nil, fmt.Errorf("%w (rebuild with saa plugin build)", err)
	}
	name := bundle.ManifestYAML
	if filepath.Ext(file) == ".json" {
		name = bundle.ManifestJSON
	}
	return bundle.FromParts(name, raw, wasm)
}

// findManifest returns path if it is a file, else the folder's manifest:
// manifest.yaml or manifest.json, or its only other manifest file.
func findManifest(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return path, nil
	}
	var found []string
	for _, pattern := range []string{"manifest.yaml", "manifest.json", "*.yaml", "*.yml", "*.json"} {
		matches, _ := filepath.Glob(filepath.Join(path, pattern))
		for _, m := range matches {
			if filepath.Base(m) != "schema.json" && !slices.Contains(found, m) {
				found = append(found, m)
			}
		}
		if len(found) > 0 && strings.HasPrefix(pattern, "manifest.") {
			return found[0], nil
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no manifest in %s", path)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("several manifests in %s (%s); name the one to pack", path, strings.Join(found, ", "))
}

// runPluginKeygen makes a publisher signing key:
// `saa plugin keygen [--out file]` writes the private key (PKCS#8 PEM,
// mode 0600, never over an existing file) and <file>.pub, the public key in
// base64 that an admin trusts with PUT /admin/api/v1/publishers/{name}/keys.
func runPluginKeygen(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugin keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "saa-publisher.key", "private key file to create")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fail(stderr, fmt.Errorf("generate key: %w", err))
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fail(stderr, fmt.Errorf("encode key: %w", err))
	}
	if err := createKeyFile(*out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fail(stderr, err)
	}
	encoded := base64.StdEncoding.EncodeToString(pub)
	if err := createKeyFile(*out+".pub", []byte(encoded+"\n"), 0o644); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "private key: %s (keep it secret)\npublic key:  %s\nkey id:      %s\n", *out, encoded, bundle.KeyID(pub))
	return 0
}

// createKeyFile writes data to a new file, refusing to replace one.
func createKeyFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// runPluginSign signs a bundle in place (or into --out):
// `saa plugin sign <bundle> --key file [--out file]`.
func runPluginSign(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugin sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "private key from saa plugin keygen (required)")
	out := fs.String("out", "", "signed bundle to write (default: replace the bundle)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: saa plugin sign <bundle> --key file [--out file]")
		return 2
	}
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	if *keyFile == "" {
		fmt.Fprintln(stderr, "saa plugin sign: --key is required")
		return 2
	}
	key, err := loadSigningKey(*keyFile)
	if err != nil {
		return fail(stderr, err)
	}
	b, err := readBundle(args[0])
	if err != nil {
		return fail(stderr, err)
	}
	b.Sign(key)
	if *out == "" {
		*out = args[0]
	}
	if err := writeBundle(*out, b); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: signed by key %s\n", *out, b.Signature.KeyID)
	return 0
}

// loadSigningKey reads an ed25519 private key in PKCS#8 PEM.
func loadSigningKey(path string) (ed25519.PrivateKey, error) {
	data, err := readFileBounded(path, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("key %s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key %s: not an ed25519 key", path)
	}
	return priv, nil
}

// readBundle reads and verifies a bundle file.
func readBundle(path string) (*bundle.Bundle, error) {
	data, err := readFileBounded(path, bundle.DefaultMaxBundle)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return bundle.Parse(data, bundle.Limits{})
}

// writeBundle writes b to path through a temporary file, so that a failed
// write never leaves half a bundle.
func writeBundle(path string, b *bundle.Bundle) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bundle-*")
	if err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := b.Pack(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// readFileBounded reads a regular file of at most max bytes.
func readFileBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	return data, nil
}

// runPluginPublish uploads a bundle for review:
// `saa plugin publish <bundle> --server URL` with a publisher credential:
// --token (SAA_TOKEN), or --client-id and --client-secret (SAA_CLIENT_ID,
// SAA_CLIENT_SECRET) of a client allowed the scope plugins:publish.
func runPluginPublish(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugin publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", defaultServer(), "server base URL (SAA_PUBLIC_URL)")
	token := fs.String("token", os.Getenv("SAA_TOKEN"), "access token with scope plugins:publish (SAA_TOKEN)")
	id := fs.String("client-id", os.Getenv("SAA_CLIENT_ID"), "publisher client ID (SAA_CLIENT_ID)")
	secret := fs.String("client-secret", os.Getenv("SAA_CLIENT_SECRET"), "publisher client secret (SAA_CLIENT_SECRET)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: saa plugin publish <bundle> --server URL (--token T | --client-id ID --client-secret S)")
		return 2
	}
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	if *token == "" && (*id == "" || *secret == "") {
		fmt.Fprintln(stderr, "saa plugin publish: a --token or a --client-id and --client-secret are required")
		return 2
	}
	data, err := readFileBounded(args[0], bundle.DefaultMaxBundle)
	if err != nil {
		return fail(stderr, fmt.Errorf("read bundle: %w", err))
	}
	if *token == "" {
		if *token, err = clientToken(ctx, *server, *id, *secret, scopePublish); err != nil {
			return fail(stderr, err)
		}
	}
	req, err := newCLIRequest(ctx, *server, publishPath, "application/octet-stream", data)
	if err != nil {
		return fail(stderr, err)
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	return sendAndPrint(req, http.StatusCreated, stdout, stderr)
}

// clientToken gets an access token with the client_credentials grant.
func clientToken(ctx context.Context, server, id, secret, scope string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	req, err := newCLIRequest(ctx, server, "/oauth2/token", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := (&http.Client{Timeout: cliHTTPTimeout}).Do(req)
	if err != nil {
		return "", fmt.Errorf("get token: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("get token: %w", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &tok) != nil || tok.AccessToken == "" {
		return "", errors.New("get token: " + resp.Status + ": " + describeError(raw))
	}
	return tok.AccessToken, nil
}
