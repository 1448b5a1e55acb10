package pgtest

import "testing"

func TestMain(m *testing.M) { Main(m) }

func TestDatabasesAreSeparate(t *testing.T) {
	c := Get(t)
	_, a := c.NewDatabase(t)
	_, b := c.NewDatabase(t)
	if _, err := a.Exec("CREATE TABLE only_a (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow("SELECT count(*) FROM pg_class WHERE relname = 'only_a'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("table leaked across databases: n=%d err=%v", n, err)
	}
	var fsync string
	if err := a.QueryRow("SHOW fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Fatalf("fsync = %q, %v", fsync, err)
	}
}
