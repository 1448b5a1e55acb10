package semantic

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" driver, pure Go
)

// openReadOnly opens the SQLite file at path read-only: the engine refuses
// every write on such a handle, whatever SQL arrives.
func openReadOnly(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", readOnlyDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// readOnlyDSN is the URI that opens abs read-only with query_only set.
func readOnlyDSN(abs string) string {
	u := url.URL{Scheme: "file", Path: abs}
	return u.String() + "?mode=ro&_pragma=query_only(1)"
}

// quoteIdent quotes name as an SQLite identifier.
func quoteIdent(name string) string {
	out := make([]byte, 0, len(name)+2)
	out = append(out, '"')
	for i := 0; i < len(name); i++ {
		if name[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, name[i])
	}
	return string(append(out, '"'))
}
