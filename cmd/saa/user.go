package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
)

// runUser manages users through a running server's admin API:
// `saa user create --name N [--role user|viewer|admin] [--server URL]`.
// The new user's password comes from SAA_USER_PASSWORD or --password, the
// admin's from SAA_ADMIN_PASSWORD or --admin-password (flags are visible to
// other local users in the process list; prefer the variables).
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: saa user create --name N [--role user|viewer|admin] [--server URL] [--password P] [--admin-password P]")
		return 2
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "user name (required)")
	role := fs.String("role", "user", "role: user (acts through agents, never /admin), viewer or admin")
	password := fs.String("password", os.Getenv("SAA_USER_PASSWORD"), "the new user's password, 12+ characters (SAA_USER_PASSWORD)")
	server := fs.String("server", defaultServer(), "server base URL (SAA_PUBLIC_URL)")
	admin := fs.String("admin-user", "admin", "admin user name")
	adminPassword := fs.String("admin-password", os.Getenv("SAA_ADMIN_PASSWORD"), "admin password (SAA_ADMIN_PASSWORD)")
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	if *name == "" || *password == "" || *adminPassword == "" {
		fmt.Fprintln(stderr, "saa user create: --name, a password (SAA_USER_PASSWORD) and an admin password are required")
		return 2
	}
	body, _ := json.Marshal(map[string]string{"name": *name, "password": *password, "role": *role})
	req, err := newCLIRequest(ctx, *server, "/admin/api/v1/users", "application/json", body)
	if err != nil {
		return fail(stderr, err)
	}
	req.SetBasicAuth(*admin, *adminPassword)
	return sendAndPrint(req, http.StatusCreated, stdout, stderr)
}
