package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
)

// runKeys manages the token signing keys of a running server through its
// admin API: `saa keys rotate [--server URL]`. The admin password comes
// from SAA_ADMIN_PASSWORD or --admin-password, as for `saa client create`.
// It prints the key set after the rotation: the new kid, and each previous
// kid with the time it leaves the JWKS. --withdraw-previous drops them at
// once instead.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: saa keys rotate [--withdraw-previous] [--server URL] [--admin-user U] [--admin-password P]")
		return 2
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", defaultServer(), "server base URL (SAA_PUBLIC_URL)")
	user := fs.String("admin-user", "admin", "admin user name")
	password := fs.String("admin-password", os.Getenv("SAA_ADMIN_PASSWORD"), "admin password (SAA_ADMIN_PASSWORD)")
	withdraw := fs.Bool("withdraw-previous", false, "drop the previous keys at once, voiding every token they signed (for a key that leaked)")
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	if *password == "" {
		fmt.Fprintln(stderr, "saa keys rotate: an admin password is required (SAA_ADMIN_PASSWORD or --admin-password)")
		return 2
	}
	var body []byte
	if *withdraw {
		body = []byte(`{"withdraw_previous":true}`)
	}
	req, err := newCLIRequest(ctx, *server, "/admin/api/v1/keys/rotate", "application/json", body)
	if err != nil {
		return fail(stderr, err)
	}
	req.SetBasicAuth(*user, *password)
	return sendAndPrint(req, http.StatusOK, stdout, stderr)
}
