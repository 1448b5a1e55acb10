package semantic

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzGuardQuery sends arbitrary SQL through the guard as a caller without
// sensitive scopes: whatever runs must have read only visible columns, and
// the warehouse must keep its rows.
func FuzzGuardQuery(f *testing.F) {
	for _, s := range []string{
		"SELECT status FROM tickets LIMIT 3",
		"SELECT t.status, r.version FROM tickets t JOIN releases r ON r.id = t.release_id",
		"SELECT customer_email FROM tickets",
		"SELECT * FROM integrations",
		"WITH x AS (SELECT api_token FROM integrations) SELECT COUNT(*) FROM x",
		"DELETE FROM tickets; SELECT 1",
		"SELECT 1 -- ; DROP TABLE tickets",
		"SELECT name FROM sqlite_master",
		"ATTACH ':memory:' AS m",
		"SELECT (SELECT customer_email FROM tickets LIMIT 1)",
	} {
		f.Add(s)
	}
	l := demoLayer(f)
	g := openDemoGuard(f, Limits{MaxRows: 50, Timeout: time.Second})
	p := l.Policy(WithScopes(nil))
	f.Fuzz(func(t *testing.T, q string) {
		res, err := g.Query(context.Background(), p, q)
		if err != nil {
			return
		}
		for _, r := range res.ReadSet {
			if !p.AllowRead(r.Table, r.Column) {
				t.Fatalf("%q read %s.%s", q, r.Table, r.Column)
			}
			if strings.EqualFold(r.Column, "customer_email") || strings.EqualFold(r.Column, "api_token") {
				t.Fatalf("%q read a sensitive column", q)
			}
		}
		n, err := g.Query(context.Background(), p, "SELECT COUNT(*) FROM tickets")
		if err != nil || n.Rows[0][0] != int64(1500) {
			t.Fatalf("after %q: %v %v", q, n, err)
		}
	})
}

func TestSingleStatement(t *testing.T) {
	one := []string{"SELECT 1", "SELECT 1;", "SELECT ';'", `SELECT "a;b" FROM t`, "SELECT 1; -- c", "SELECT 1; /* c */", "SELECT [x;y] FROM t", "SELECT 'it''s;'"}
	for _, q := range one {
		if err := singleStatement(q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	two := []string{"SELECT 1; SELECT 2", "SELECT 1;DROP TABLE t", "SELECT 1 /* ; */; SELECT 2", "SELECT 'a'';'; SELECT 2", "SELECT 1 -- x\n; SELECT 2"}
	for _, q := range two {
		if err := singleStatement(q); !errors.Is(err, ErrStacked) {
			t.Errorf("%q: %v", q, err)
		}
	}
}
