package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/secrets/secretstest"
	"github.com/secure-agent/saa/internal/pgtest"
	"github.com/secure-agent/saa/pdk/wire"
	"github.com/secure-agent/saa/semantic"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPostgresImportAndBinding imports a PostgreSQL database with the CLI,
// then binds it as a warehouse whose password comes from the secret store
// and answers a query through it.
func TestPostgresImportAndBinding(t *testing.T) {
	ctx := context.Background()
	c := pgtest.Get(t)
	name, db := c.NewDatabase(t)
	role := "reader_" + name
	for _, s := range []string{
		`CREATE TABLE tickets (id integer PRIMARY KEY, status text)`,
		`INSERT INTO tickets SELECT i, (ARRAY['open', 'closed'])[i % 2 + 1] FROM generate_series(1, 10) i`,
		`REVOKE ALL ON SCHEMA public FROM PUBLIC`,
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD 'pw-%s'`, role, name),
		fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %s`, role),
		fmt.Sprintf(`GRANT SELECT ON tickets TO %s`, role),
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		_, _ = c.Admin().Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
		_, _ = c.Admin().Exec("DROP ROLE IF EXISTS " + role)
	})
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"semantic", "import", "--postgres", c.DSN(name, pgtest.Superuser, ""), "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "new dataset tickets") {
		t.Fatalf("stdout %q", stdout.String())
	}
	layer, err := semantic.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SAA_WAREHOUSES" {
				return v
			}
			return ""
		}
	}
	binding := "support=" + c.DSN(name, role, "")
	if _, _, err := bindWarehouses(env("support="+c.DSN(name, role, "pw-"+name)), layer, &warehousePasswords{}); err == nil ||
		strings.Contains(err.Error(), "pw-"+name) || !strings.Contains(err.Error(), "secret store") {
		t.Fatalf("a password in SAA_WAREHOUSES: %v", err)
	}
	if d := warehouseSecrets(env(binding)); len(d) != 1 || d[0].Plugin != "semantic" || d[0].Name != "support" || len(d[0].Hosts) != 0 {
		t.Fatalf("declared %+v", d)
	}
	pw := &warehousePasswords{}
	ws, closeAll, err := bindWarehouses(env(binding), layer, pw)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	query := wire.WarehouseRequest{Op: wire.WarehouseQuery, SQL: "SELECT count(*) FROM tickets WHERE status = $1", Args: []any{"open"}}
	if resp := ws["support"].Serve(ctx, nil, query); resp.Error == "" {
		t.Fatal("answered before the secret store opened")
	}
	store, err := secrets.New(&secretstest.Memory{}, make([]byte, secrets.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	pw.store.Store(store)
	if resp := ws["support"].Serve(ctx, nil, query); resp.Error == "" {
		t.Fatal("answered without a password")
	}
	if err := store.Put(ctx, "semantic", "support", "pw-"+name); err != nil {
		t.Fatal(err)
	}
	resp := ws["support"].Serve(ctx, nil, query)
	if resp.Error != "" {
		t.Fatal(resp.Error)
	}
	var res semantic.Result
	if err := json.Unmarshal(resp.Result, &res); err != nil || len(res.Rows) != 1 || res.Rows[0][0] != float64(5) {
		t.Fatalf("result %s %v", resp.Result, err)
	}
	if strings.Join(resp.ReadSet, ",") != "tickets.status" {
		t.Fatalf("read-set %v", resp.ReadSet)
	}
}
