package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	bolt "go.etcd.io/bbolt"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/audit/audithttp"
	"github.com/secure-agent/saa/host/audit/audittest"
	"github.com/secure-agent/saa/host/store"
)

// auditDir returns a data dir whose database holds n audit entries.
func auditDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range n {
		if _, err := db.Audit().Append(context.Background(), audittest.Sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// adminServer serves the audit routes of db behind a Basic check, as a
// running server would.
func adminServer(t *testing.T, db *store.DB, password string) string {
	t.Helper()
	r := chi.NewRouter()
	r.Route("/admin/api/v1", func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if u, p, ok := req.BasicAuth(); !ok || u != "admin" || p != password {
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				next.ServeHTTP(w, req)
			})
		})
		audithttp.Routes(r, audit.NewLog(db.Audit()))
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

func runAuditCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := runAudit(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestAuditVerifyLocal(t *testing.T) {
	tampered := auditDir(t, 3)
	b, err := bolt.Open(filepath.Join(tampered, "saa.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("audit")).Delete([]byte{0, 0, 0, 0, 0, 0, 0, 2})
	})
	_ = b.Close()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"intact", []string{"verify", "--data-dir", auditDir(t, 3)}, 0, "intact: 3 entries, head seq 3", ""},
		{"empty", []string{"verify", "--data-dir", auditDir(t, 0)}, 0, "intact: 0 entries", ""},
		{"tampered", []string{"verify", "--data-dir", tampered}, 1, "verified up to seq 1", "broken at seq 2"},
		{"json", []string{"verify", "--json", "--data-dir", tampered}, 1, `"broken_seq": 2`, "broken"},
		{"no database", []string{"verify", "--data-dir", t.TempDir()}, 1, "", "no such file"},
		{"no sub-command", nil, 2, "", "usage: saa audit verify"},
		{"extra argument", []string{"verify", "now"}, 2, "", "usage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runAuditCmd(c.args...)
			if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
				t.Errorf("code %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, c.code, c.stdout, c.stderr)
			}
		})
	}
}

// While a server holds the database, verify asks the server instead.
func TestAuditVerifyThroughServer(t *testing.T) {
	dir := auditDir(t, 2)
	db, err := store.Open(filepath.Join(dir, "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	url := adminServer(t, db, "s3cret")
	cases := []struct {
		name, password string
		code           int
		out            string
	}{
		{"with the admin password", "s3cret", 0, "intact: 2 entries"},
		{"without a password", "", 1, "set SAA_ADMIN_PASSWORD"},
		{"with a wrong password", "nope", 1, "401 Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SAA_ADMIN_PASSWORD", c.password)
			code, stdout, stderr := runAuditCmd("verify", "--data-dir", dir, "--server", url)
			if code != c.code || !strings.Contains(stdout+stderr, c.out) {
				t.Errorf("code %d, stdout %q, stderr %q; want %d with %q", code, stdout, stderr, c.code, c.out)
			}
		})
	}
}

func TestDefaultServerURL(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "http://127.0.0.1:8080"},
		{"address", map[string]string{"SAA_ADDR": "0.0.0.0:9000"}, "http://0.0.0.0:9000"},
		{"public url wins", map[string]string{"SAA_ADDR": "x:1", "SAA_PUBLIC_URL": "https://saa.example/"}, "https://saa.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := defaultServerURL(func(k string) string { return c.env[k] }); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
