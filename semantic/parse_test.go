package semantic

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const ticketsYAML = `name: tickets
description: Service tickets opened by customers.
primary_key: [id]
fields:
  - name: id
    datatype: INTEGER
  - name: status
    datatype: TEXT
    sample_values: [open, closed]
    is_enum: true
    synonyms: [state]
  - name: customer_email
    datatype: TEXT
    sensitivity: pii
  - name: release_id
    datatype: INTEGER
relationships:
  - name: ticket_release
    from_columns: [release_id]
    to_dataset: releases
    to_columns: [id]
filters:
  - name: open
    expression: status = 'open'
verified_queries:
  - name: open_count
    question: How many tickets are open?
    sql: SELECT COUNT(*) FROM tickets WHERE status = 'open'
    verified_by: ops
    verified_at: 2026-01-05
`

const releasesYAML = `name: releases
fields:
  - name: id
  - name: version
`

func TestParseValid(t *testing.T) {
	d, err := Parse("tickets.yaml", []byte(ticketsYAML))
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "tickets" || len(d.Fields) != 4 || !d.Field("status").IsEnum {
		t.Fatalf("parsed %+v", d)
	}
	if got := d.Field("customer_email").NeededScope(); got != ScopePII {
		t.Fatalf("pii scope = %q", got)
	}
	if got := d.VerifiedQueries[0].VerifiedAt; got != "2026-01-05" {
		t.Fatalf("verified_at = %q", got)
	}
}

func TestParseErrorsNameFileFieldReason(t *testing.T) {
	cases := []struct {
		name, doc, field, reason string
	}{
		{"empty", "", "", "empty document"},
		{"not yaml", "name: [", "", "parse"},
		{"two documents", "name: a\nfields: [{name: x}]\n---\nname: b\n", "", "more than one YAML document"},
		{"duplicate key", "name: a\nname: b\nfields: [{name: x}]\n", "", "parse"},
		{"missing fields", "name: a\n", "", "fields"},
		{"unknown field", "name: a\nfields: [{name: x, colour: red}]\n", "fields[0]", "colour"},
		{"bad sensitivity", "name: a\nfields: [{name: x, sensitivity: top}]\n", "fields[0].sensitivity", ""},
		{"scope outside namespace", "name: a\nfields: [{name: x, sensitivity: pii, scope: 'admin'}]\n", "fields[0].scope", ""},
		{"scope on public", "name: a\nfields: [{name: x, scope: 'semantic:x'}]\n", "fields[0].scope", "only unlocks"},
		{"duplicate field", "name: a\nfields: [{name: x}, {name: X}]\n", "fields[1].name", "twice"},
		{"bad primary key", "name: a\nprimary_key: [zz]\nfields: [{name: x}]\n", "primary_key[0]", `no field "zz"`},
		{"relationship from unknown", "name: a\nfields: [{name: x}]\nrelationships: [{name: r, from_columns: [zz], to_dataset: b, to_columns: [id]}]\n", "relationships[0].from_columns[0]", `no field "zz"`},
		{"relationship arity", "name: a\nfields: [{name: x}]\nrelationships: [{name: r, from_columns: [x], to_dataset: b, to_columns: [id, k]}]\n", "relationships[0]", "length"},
		{"bad date", "name: a\nfields: [{name: x}]\nverified_queries: [{name: q, question: q, sql: SELECT 1, verified_at: yesterday}]\n", "verified_queries[0].verified_at", ""},
		{"control char name", "name: \"a\\u0001\"\nfields: [{name: x}]\n", "name", ""},
		{"too large", strings.Repeat("#", MaxFileSize+1), "", "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(c.doc))
			var le *LoadError
			if !errors.As(err, &le) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want *LoadError", err)
			}
			if le.File != "x.yaml" || !strings.HasPrefix(le.Field, c.field) || !strings.Contains(le.Error(), c.reason) {
				t.Fatalf("got file %q field %q: %v; want field %q reason %q", le.File, le.Field, err, c.field, c.reason)
			}
		})
	}
}

func TestLoadChecksTheLayer(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tickets.yaml", ticketsYAML)
	_, err := Load(dir)
	var le *LoadError
	if !errors.As(err, &le) || le.File != "tickets.yaml" || le.Field != "relationships[0].to_dataset" {
		t.Fatalf("dangling relationship: %v", err)
	}
	write("releases.yaml", releasesYAML)
	write("README.md", "not a dataset")
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Datasets) != 2 || l.Dataset("TICKETS") == nil {
		t.Fatalf("layer %+v", l.Datasets)
	}
	write("again.yml", releasesYAML)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "also defined") {
		t.Fatalf("duplicate dataset: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(ticketsYAML))
	f.Add([]byte(releasesYAML))
	f.Add([]byte(`{"name":"a","fields":[{"name":"x","sensitivity":"secret"}]}`))
	f.Add([]byte("name: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("f.yaml", data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is not a *LoadError: %v", err)
			}
			return
		}
		if d.Name == "" || len(d.Fields) == 0 {
			t.Fatalf("accepted a dataset without name or fields: %+v", d)
		}
		for i := range d.Fields {
			if lvl := d.Fields[i].Level(); lvl != Public && lvl != Internal && lvl != PII && lvl != Secret {
				t.Fatalf("accepted sensitivity %q", lvl)
			}
		}
	})
}
