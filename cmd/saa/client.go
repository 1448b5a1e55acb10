package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// cliHTTPTimeout bounds one CLI request to a running server.
const cliHTTPTimeout = 30 * time.Second

// defaultServer is the server the admin CLI talks to: SAA_PUBLIC_URL, else
// the default listen address.
func defaultServer() string {
	if v := os.Getenv("SAA_PUBLIC_URL"); v != "" {
		return v
	}
	return "http://127.0.0.1:8080"
}

// runClient manages OAuth clients through a running server's admin API:
// `saa client create --name N --scopes a,b [--server URL]`. The admin
// password comes from SAA_ADMIN_PASSWORD or --admin-password (visible to
// other local users in the process list; prefer the variable).
func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: saa client create --name N --scopes a,b [--redirect-uris u1,u2 [--public]] [--server URL] [--admin-password P]")
		return 2
	}
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "client name (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes the client may request (required)")
	redirects := fs.String("redirect-uris", "", "comma-separated redirect URIs: lets the client act for users (authorization code flow)")
	public := fs.Bool("public", false, "a public client: no secret, PKCE only (needs --redirect-uris)")
	server := fs.String("server", defaultServer(), "server base URL (SAA_PUBLIC_URL)")
	user := fs.String("admin-user", "admin", "admin user name")
	password := fs.String("admin-password", os.Getenv("SAA_ADMIN_PASSWORD"), "admin password (SAA_ADMIN_PASSWORD)")
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	if *name == "" || *scopes == "" || *password == "" {
		fmt.Fprintln(stderr, "saa client create: --name, --scopes and an admin password are required")
		return 2
	}
	spec := map[string]any{"name": *name, "scopes": splitList(*scopes)}
	if *redirects != "" || *public {
		spec["redirect_uris"], spec["public"] = splitList(*redirects), *public
	}
	body, _ := json.Marshal(spec)
	req, err := newCLIRequest(ctx, *server, "/admin/api/v1/clients", "application/json", body)
	if err != nil {
		return fail(stderr, err)
	}
	req.SetBasicAuth(*user, *password)
	return sendAndPrint(req, http.StatusCreated, stdout, stderr)
}

// runToken gets an access token with the client_credentials grant:
// `saa token --client-id ID --client-secret S --scopes a,b [--server URL]`.
// The secret may come from SAA_CLIENT_SECRET instead of the flag.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("client-id", "", "client ID (required)")
	secret := fs.String("client-secret", os.Getenv("SAA_CLIENT_SECRET"), "client secret (SAA_CLIENT_SECRET)")
	scopes := fs.String("scopes", "", "comma-separated scopes to request (required)")
	server := fs.String("server", defaultServer(), "server base URL (SAA_PUBLIC_URL)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *id == "" || *secret == "" || *scopes == "" {
		fmt.Fprintln(stderr, "saa token: --client-id, --client-secret and --scopes are required")
		return 2
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(splitList(*scopes), " ")}}
	req, err := newCLIRequest(ctx, *server, "/oauth2/token", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return fail(stderr, err)
	}
	req.SetBasicAuth(url.QueryEscape(*id), url.QueryEscape(*secret))
	return sendAndPrint(req, http.StatusOK, stdout, stderr)
}

// parseFlags parses args; done is true when the command should exit with code.
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	case err != nil:
		return 2, true
	case fs.NArg() > 0:
		fmt.Fprintf(fs.Output(), "saa %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, true
	}
	return 0, false
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func newCLIRequest(ctx context.Context, server, path, contentType string, body []byte) (*http.Request, error) {
	base, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("server %q is not an http(s) URL", server)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.String()+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// sendAndPrint sends req and prints the JSON answer, indented, on stdout when
// its status is want; otherwise it prints the server's error on stderr.
func sendAndPrint(req *http.Request, want int, stdout, stderr io.Writer) int {
	resp, err := (&http.Client{Timeout: cliHTTPTimeout}).Do(req)
	if err != nil {
		return fail(stderr, fmt.Errorf("call %s: %w", req.URL.Redacted(), err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fail(stderr, fmt.Errorf("read answer: %w", err))
	}
	if resp.StatusCode != want {
		return fail(stderr, fmt.Errorf("%s answered %s: %s", req.URL.Path, resp.Status, describeError(raw)))
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return fail(stderr, fmt.Errorf("answer is not JSON: %w", err))
	}
	fmt.Fprintln(stdout, out.String())
	return 0
}

// describeError extracts the message of an OAuth error or a problem.
func describeError(raw []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Title       string `json:"title"`
		Detail      string `json:"detail"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return strings.TrimSpace(string(raw))
	}
	switch {
	case e.Error != "" && e.Description != "":
		return e.Error + ": " + e.Description
	case e.Error != "":
		return e.Error
	case e.Detail != "":
		return e.Detail
	}
	return e.Title
}
