// Package pgtest starts one throw-away PostgreSQL cluster per test binary
// and gives each test its own database on it.
//
// The cluster lives in a temporary directory, listens on 127.0.0.1 on a
// free port and on a unix socket in that directory, runs with fsync off,
// and is stopped and removed when the tests end (Main). PostgreSQL refuses to run
// as root, so under root the server runs as the postgres user. Without a
// PostgreSQL installation the tests are skipped loudly, unless CI is set,
// when they fail. It must never touch any cluster it did not start.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Superuser is the cluster's superuser role; it has no password and may
// connect only over the loopback and the socket.
const Superuser = "saa_test"

// Cluster is a running throw-away cluster.
type Cluster struct {
	dir  string
	bin  string
	port int
	// runAs is the user the server runs as ("" for the current one).
	runAs string
	dbs   atomic.Int64
	// admin is a connection to the postgres database as Superuser.
	admin *sql.DB
}

var (
	once    sync.Once
	current *Cluster
	failed  error
)

// Main runs the tests and stops the cluster if one of them started it;
// call it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
// The cluster starts on the first Get, so test binaries whose PostgreSQL
// tests are filtered out pay nothing.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the cluster if it was started; a TestMain that does more
// than Main calls it after m.Run.
func Stop() {
	if current != nil {
		current.stop()
		current = nil
	}
}

// missing is the error of a machine without PostgreSQL.
type missing struct{ msg string }

func (e missing) Error() string { return e.msg }

func errorsIsMissing(err error) bool { _, ok := err.(missing); return ok }

// Get returns the cluster, starting it on first use. Without PostgreSQL
// installed it skips t loudly, or fails it when CI is set.
func Get(t testing.TB) *Cluster {
	t.Helper()
	once.Do(func() {
		current, failed = start()
		if failed != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", failed)
		}
	})
	switch {
	case failed == nil:
		return current
	case errorsIsMissing(failed) && os.Getenv("CI") == "":
		t.Skipf("SKIPPING: PostgreSQL is not installed: %v", failed)
	}
	t.Fatalf("pgtest: %v", failed)
	return nil
}

// findBin finds the newest PostgreSQL server binaries directory.
func findBin() (string, error) {
	if d := os.Getenv("SAA_PG_BIN"); d != "" {
		return d, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", missing{"no initdb in /usr/lib/postgresql/*/bin or on PATH (install postgresql)"}
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) < version(matches[j]) })
	return filepath.Dir(matches[len(matches)-1]), nil
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func start() (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "saa-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		c.runAs = "postgres"
		if err := chownTo(dir, c.runAs); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := c.initAndStart(); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func chownTo(dir, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("running as root needs the %s user: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

func (c *Cluster) initAndStart() error {
	data := filepath.Join(c.dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	opts := fmt.Sprintf("-h 127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50", port, c.dir)
	if out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "-t", "30", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pg_ctl start: %w: %s %s", err, out, log)
	}
	db, err := sql.Open("pgx", c.DSN("postgres", Superuser, ""))
	if err != nil {
		return err
	}
	c.admin = db
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run runs one of the server's programs as the server's user.
func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, prog)
	cmd := exec.Command(path, args...)
	if c.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.runAs, "--", path}, args...)...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func (c *Cluster) stop() {
	if c.admin != nil {
		c.admin.Close()
	}
	if c.port != 0 {
		_, _ = c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(c.dir)
}

// Port is the cluster's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// DSN is the URL that connects to database as role (with password, when
// not empty) over TCP on the loopback.
func (c *Cluster) DSN(database, role, password string) string {
	auth := role
	if password != "" {
		auth += ":" + password
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", auth, c.port, database)
}

// Admin is a superuser connection to the postgres database.
func (c *Cluster) Admin() *sql.DB { return c.admin }

// NewDatabase creates an empty database for t, owned by Superuser and
// dropped when t ends, and returns its name and a superuser connection
// to it.
func (c *Cluster) NewDatabase(t testing.TB) (string, *sql.DB) {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", c.dbs.Add(1), sanitize(t.Name()))
	if _, err := c.admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	db, err := sql.Open("pgx", c.DSN(name, Superuser, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := c.admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return name, db
}

// sanitize keeps a database name short and made of [a-z0-9_].
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() == 40 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
