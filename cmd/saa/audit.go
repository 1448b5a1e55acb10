package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/store"
)

const auditUsage = `usage: saa audit verify [--data-dir DIR] [--server URL] [--json]

Checks the audit log's hash chain. It reads the data dir's database directly
(or PostgreSQL, when SAA_DATABASE_URL is set); when a running server holds the
data dir's database, it asks that server's admin API instead, as the admin
user with the password in SAA_ADMIN_PASSWORD.
`

// auditVerifyPath is the admin API endpoint of the same check.
const auditVerifyPath = "/admin/api/v1/audit/verify"

// runAudit implements `saa audit verify`: exit 0 when the chain is intact, 1
// when it is broken or cannot be read, 2 for a usage error.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	cfg, err := host.DefaultConfig().FromEnv(os.Getenv)
	if err != nil {
		return fail(stderr, err)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", cfg.DataDir, "the data dir holding saa.db")
	server := fs.String("server", defaultServerURL(os.Getenv), "the running server's base URL")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	if cfg.DatabaseURL != "" {
		rep, err := verifyPostgres(ctx, cfg.DatabaseURL)
		if err != nil {
			return fail(stderr, err)
		}
		return printReport(rep, *asJSON, stdout, stderr)
	}
	rep, err := verifyLocal(ctx, *dataDir)
	if errors.Is(err, store.ErrLocked) {
		rep, err = verifyRemote(ctx, http.DefaultClient, *server, os.Getenv("SAA_ADMIN_PASSWORD"))
	}
	if err != nil {
		return fail(stderr, err)
	}
	return printReport(rep, *asJSON, stdout, stderr)
}

// defaultServerURL is where a local server listens: SAA_PUBLIC_URL, else
// http:// + SAA_ADDR, else the default address.
func defaultServerURL(getenv func(string) string) string {
	if u := getenv("SAA_PUBLIC_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	if a := getenv("SAA_ADDR"); a != "" {
		return "http://" + a
	}
	return "http://127.0.0.1:8080"
}

// verifyLocal verifies the chain in dataDir's database, which it must not
// create. It returns an error wrapping store.ErrLocked when a server holds it.
func verifyLocal(ctx context.Context, dataDir string) (audit.Report, error) {
	path := filepath.Join(dataDir, "saa.db")
	if _, err := os.Stat(path); err != nil {
		return audit.Report{}, fmt.Errorf("open audit log: %w", err)
	}
	db, err := store.Open(path)
	if err != nil {
		return audit.Report{}, err
	}
	defer db.Close()
	return audit.NewLog(db.Audit()).Verify(ctx)
}

// verifyPostgres verifies the chain in the PostgreSQL database at url,
// which replicas may be appending to meanwhile.
func verifyPostgres(ctx context.Context, url string) (audit.Report, error) {
	db, err := pgstore.Open(ctx, url)
	if err != nil {
		return audit.Report{}, fmt.Errorf("SAA_DATABASE_URL: %w", err)
	}
	defer db.Close()
	return audit.NewLog(db.Audit()).Verify(ctx)
}

// verifyRemote asks the server at base to verify its chain.
func verifyRemote(ctx context.Context, c *http.Client, base, password string) (audit.Report, error) {
	if password == "" {
		return audit.Report{}, errors.New("a running server holds the database; " +
			"set SAA_ADMIN_PASSWORD to verify through its admin API at " + base)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+auditVerifyPath, nil)
	if err != nil {
		return audit.Report{}, fmt.Errorf("ask server: %w", err)
	}
	req.SetBasicAuth("admin", password)
	res, err := c.Do(req)
	if err != nil {
		return audit.Report{}, fmt.Errorf("ask server: %w", err)
	}
	defer res.Body.Close()
	body := io.LimitReader(res.Body, 1<<20)
	if res.StatusCode != http.StatusOK {
		var p problem.Body
		_ = json.NewDecoder(body).Decode(&p)
		return audit.Report{}, fmt.Errorf("ask server: %s %s", res.Status, p.Detail)
	}
	var rep audit.Report
	if err := json.NewDecoder(body).Decode(&rep); err != nil {
		return audit.Report{}, fmt.Errorf("ask server: decode report: %w", err)
	}
	return rep, nil
}

func printReport(rep audit.Report, asJSON bool, stdout, stderr io.Writer) int {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else if rep.OK {
		fmt.Fprintf(stdout, "audit log intact: %d entries, head seq %d hash %s\n", rep.Entries, rep.LastSeq, rep.LastHash)
	} else {
		fmt.Fprintf(stdout, "verified up to seq %d (hash %s), %d entries\n", rep.LastSeq, rep.LastHash, rep.Entries)
	}
	if err := rep.Err(); err != nil {
		return fail(stderr, err)
	}
	return 0
}
