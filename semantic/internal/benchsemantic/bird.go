package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"

	"github.com/secure-agent/saa/semantic"
)

// schema is one database of dev_tables.json (Spider format).
type schema struct {
	DBID       string   `json:"db_id"`
	Tables     []string `json:"table_names_original"`
	Columns    [][2]any `json:"column_names_original"`
	Readable   [][2]any `json:"column_names"`
	Types      []string `json:"column_types"`
	PrimaryKey []any    `json:"primary_keys"`
	ForeignKey [][2]int `json:"foreign_keys"`
}

// question is one item of mini_dev_sqlite.json.
type question struct {
	ID       int    `json:"question_id"`
	DBID     string `json:"db_id"`
	Question string `json:"question"`
	Evidence string `json:"evidence"`
	SQL      string `json:"SQL"`
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func (s *schema) column(i int) (table int, name string) {
	return int(s.Columns[i][0].(float64)), s.Columns[i][1].(string)
}

// ddl is the CREATE TABLE statements of s, keys and foreign keys included.
func (s *schema) ddl() []string {
	pk := map[int][]string{}
	for _, p := range s.PrimaryKey {
		var idx []int
		switch v := p.(type) {
		case float64:
			idx = []int{int(v)}
		case []any:
			for _, x := range v {
				idx = append(idx, int(x.(float64)))
			}
		}
		for _, i := range idx {
			t, c := s.column(i)
			pk[t] = append(pk[t], quote(c))
		}
	}
	fks := map[int][]string{}
	for _, fk := range s.ForeignKey {
		t, c := s.column(fk[0])
		rt, rc := s.column(fk[1])
		fks[t] = append(fks[t], fmt.Sprintf("FOREIGN KEY (%s) REFERENCES %s(%s)", quote(c), quote(s.Tables[rt]), quote(rc)))
	}
	var out []string
	for ti, t := range s.Tables {
		var cols []string
		for i := 1; i < len(s.Columns); i++ {
			if ct, c := s.column(i); ct == ti {
				cols = append(cols, quote(c)+" "+strings.ToUpper(s.Types[i]))
			}
		}
		if len(pk[ti]) > 0 {
			cols = append(cols, "PRIMARY KEY ("+strings.Join(pk[ti], ", ")+")")
		}
		cols = append(cols, fks[ti]...)
		out = append(out, fmt.Sprintf("CREATE TABLE %s (%s)", quote(t), strings.Join(cols, ", ")))
	}
	return out
}

// descriptions are BIRD's readable column names where they say more than
// the original name: the closest thing the set has to a human description.
func (s *schema) descriptions() map[[2]string]string {
	out := map[[2]string]string{}
	for i := 1; i < len(s.Columns); i++ {
		t, c := s.column(i)
		r := s.Readable[i][1].(string)
		if norm(r) != norm(c) {
			out[[2]string{strings.ToLower(s.Tables[t]), strings.ToLower(c)}] = r
		}
	}
	return out
}

func norm(s string) string {
	return strings.NewReplacer(" ", "", "_", "").Replace(strings.ToLower(s))
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// build creates the empty database of s under dir and imports it as a
// layer, with or without descriptions.
func build(ctx context.Context, dir string, s *schema) (string, []*semantic.Dataset, error) {
	path := filepath.Join(dir, s.DBID+".sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	for _, stmt := range s.ddl() {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return "", nil, fmt.Errorf("%s: %s: %w", s.DBID, stmt, err)
		}
	}
	ds, err := semantic.ImportSQLite(ctx, path)
	return path, ds, err
}

// withDescriptions returns a copy of ds carrying BIRD's readable names as
// field descriptions.
func withDescriptions(ds []*semantic.Dataset, desc map[[2]string]string) []*semantic.Dataset {
	var out []*semantic.Dataset
	for _, d := range ds {
		c := *d
		c.Fields = append([]semantic.Field(nil), d.Fields...)
		for i := range c.Fields {
			c.Fields[i].Description = desc[[2]string{strings.ToLower(d.Name), strings.ToLower(c.Fields[i].Name)}]
		}
		out = append(out, &c)
	}
	return out
}

// goldReadSet prepares query on the empty database at path with an
// authorizer that records every (table, column) read, without running it.
func goldReadSet(ctx context.Context, db *sql.DB, query string) (map[[2]string]bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	reads := map[[2]string]bool{}
	err = conn.Raw(func(dc any) error {
		return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, a1, a2, _, _ string) sqlite.AuthorizerReturnCode {
			if action == sqlite.AuthRead && a2 != "" {
				reads[[2]string{strings.ToLower(a1), strings.ToLower(a2)}] = true
			}
			return sqlite.AuthorizerOK
		})
	})
	if err != nil {
		return nil, err
	}
	stmt, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	stmt.Close()
	err = conn.Raw(func(dc any) error { return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(nil) })
	return reads, err
}

func openDB(path string) (*sql.DB, error) { return sql.Open("sqlite", path) }
