package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/internal/pgtest"
)

// pgEnv is the environment of a process on the PostgreSQL database url,
// with its own data dir and the keys replicas share.
func pgEnv(t *testing.T, url, plugins, masterKey string) []string {
	return append(os.Environ(),
		"SAA_DATABASE_URL="+url,
		"SAA_DATA_DIR="+filepath.Join(t.TempDir(), "data"),
		"SAA_PLUGINS_DIR="+plugins,
		"SAA_MASTER_KEY="+masterKey,
		"ENVIRONMENT=local",
	)
}

func newKey(t *testing.T) string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Several processes calling actions in-process on one PostgreSQL database
// append to one audit chain, which `saa audit verify` checks whole; one
// with another master key is refused.
func TestPostgresCallsShareOneAuditChain(t *testing.T) {
	c := pgtest.Get(t)
	name, _ := c.NewDatabase(t)
	url := c.DSN(name, pgtest.Superuser, "")
	bin, err := e2eBinary()
	if err != nil {
		t.Fatal(err)
	}
	plugins, key := plugintest.Install(t, plugintest.FirstParty("echo")), newKey(t)
	const procs = 3
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(bin, "call", "echo.echo", "--input", fmt.Sprintf(`{"message":"replica %d"}`, i))
			cmd.Env = pgEnv(t, url, plugins, key)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), fmt.Sprintf("replica %d", i)) {
				errs[i] = fmt.Errorf("call %d: %v: %s", i, err, out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A replica with another master key would seal secrets the others
	// cannot open: it is refused.
	cmd := exec.Command(bin, "call", "echo.echo", "--input", `{"message":"x"}`)
	cmd.Env = pgEnv(t, url, plugins, newKey(t))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "SAA_MASTER_KEY: master key differs") {
		t.Fatalf("call with another master key: %v: %s", err, out)
	}
	t.Setenv("SAA_DATABASE_URL", url)
	code, stdout, stderr := runCmd("audit", "verify", "--json")
	var rep audit.Report
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || !rep.OK || rep.Entries != procs {
		t.Fatalf("audit verify = %d %s %s; want an intact chain of %d", code, stdout, stderr, procs)
	}
}

// On PostgreSQL the server refuses to start without the keys replicas
// share or with a replica id unsafe to log; `saa compact` stays bbolt-only; a bad URL is refused without
// being echoed.
func TestPostgresSwitchRefusals(t *testing.T) {
	c := pgtest.Get(t)
	name, _ := c.NewDatabase(t)
	url := c.DSN(name, pgtest.Superuser, "")
	bin, err := e2eBinary()
	if err != nil {
		t.Fatal(err)
	}
	plugins, key := plugintest.Install(t, plugintest.FirstParty("echo")), newKey(t)
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"serve without shared keys", []string{"serve"}, nil, "set JWT_PRIVATE_KEY and SAA_WEBHOOK_KEY too"},
		{"serve with a bad replica id", []string{"serve"},
			[]string{"JWT_PRIVATE_KEY=" + testSigningKey(t), "SAA_WEBHOOK_KEY=" + key, "SAA_ADDR=" + freePort(t), "SAA_REPLICA_ID=a b"},
			"SAA_REPLICA_ID: want 1 to 64"},
		{"call without the master key", []string{"call", "echo.echo", "--input", `{"message":"x"}`},
			[]string{"SAA_MASTER_KEY="}, "SAA_DATABASE_URL: set SAA_MASTER_KEY too"},
		{"compact", []string{"compact"}, nil, "saa compact rewrites the embedded bbolt database only"},
		{"not a postgres url", []string{"call", "echo.echo", "--input", `{}`},
			[]string{"SAA_DATABASE_URL=mysql://u:hunter2@127.0.0.1/db"}, "SAA_DATABASE_URL: want postgres://"},
		{"unreachable database", []string{"call", "echo.echo", "--input", `{}`},
			[]string{"SAA_DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=5"}, "SAA_DATABASE_URL: open postgres"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = append(pgEnv(t, url, plugins, key), tc.env...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if err == nil || ctx.Err() != nil || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %v, output:\n%s\nwant a failure saying %q", err, tail(out.String(), 2000), tc.want)
			}
			if strings.Contains(out.String(), "hunter2") {
				t.Fatalf("the database password was echoed:\n%s", out.String())
			}
		})
	}
}
