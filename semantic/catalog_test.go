package semantic

import (
	"context"
	"errors"
	"os"
	"testing"
)

func TestCatalogAnswersSQLAboutTheLayer(t *testing.T) {
	ctx := context.Background()
	c, err := OpenCatalog(ctx, demoLayer(t), WithScopes(nil))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(ctx, "SELECT name, description FROM sl_fields WHERE dataset = ? ORDER BY position", "tickets")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 12 || res.Rows[0][0] != "id" || res.Columns[1] != "description" {
		t.Fatalf("fields of tickets: %v", res.Rows)
	}
	for _, row := range res.Rows {
		if row[0] == "customer_email" {
			t.Fatal("the catalog of a caller without the pii scope lists a pii field")
		}
	}
	res, err = c.Query(ctx, "SELECT COUNT(*) FROM sl_verified_queries v JOIN sl_datasets d ON d.name = v.dataset")
	if err != nil || res.Rows[0][0].(int64) < 10 {
		t.Fatalf("verified queries: %v %v", res, err)
	}
	res, err = c.Query(ctx, "SELECT f.name FROM sl_fields f, json_each(f.synonyms) s WHERE s.value = 'csat'")
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != "csat_score" {
		t.Fatalf("synonym lookup: %v %v", res, err)
	}
	for _, q := range []string{"DELETE FROM sl_fields", "SELECT name FROM sqlite_master", "ATTACH 'x.db' AS x"} {
		if _, err := c.Query(ctx, q); !errors.Is(err, ErrDenied) {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := c.dir
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("catalog left behind: %v", err)
	}
	full, err := OpenCatalog(ctx, demoLayer(t), Everything())
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	if res, err := full.Query(ctx, "SELECT sensitivity FROM sl_fields WHERE dataset = 'tickets' AND name = 'customer_email'"); err != nil || len(res.Rows) != 1 || res.Rows[0][0] != "pii" {
		t.Fatalf("operator's catalog: %v %v", res, err)
	}
}
