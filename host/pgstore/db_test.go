package pgstore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newDatabase makes an empty database for t and returns its URL and a
// superuser connection to it.
func newDatabase(t testing.TB) (string, *sql.DB) {
	t.Helper()
	c := pgtest.Get(t)
	name, admin := c.NewDatabase(t)
	return c.DSN(name, pgtest.Superuser, ""), admin
}

// Open opens url for t.
func Open(t testing.TB, url string) *pgstore.DB {
	t.Helper()
	db, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Replicas starting together on an empty database migrate it once, and
// each opens it.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url, admin := newDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := pgstore.Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := admin.QueryRow("SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Fatalf("%d migrations recorded, want each of the %d once", applied, len(files))
	}
}

// A database migrated by a newer SAA is refused.
func TestRefusesNewerSchema(t *testing.T) {
	url, admin := newDatabase(t)
	Open(t, url).Close()
	Open(t, url) // the same schema opens again
	if _, err := admin.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, pgstore.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.Open(context.Background(), url); !errors.Is(err, pgstore.ErrSchemaTooNew) {
		t.Fatalf("Open on a newer schema = %v, want ErrSchemaTooNew", err)
	}
}
