package semantic

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// MaxFileSize is the largest dataset file Parse accepts.
const MaxFileSize = 1 << 20

//go:embed schema.json
var schemaJSON []byte

const schemaID = "https://github.com/secure-agent/saa/semantic/schema.json"

// SchemaJSON returns a copy of schema.json, the JSON Schema of one dataset
// file.
func SchemaJSON() []byte { return bytes.Clone(schemaJSON) }

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("decode schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(denyLoader{})
	if err := c.AddResource(schemaID, doc); err != nil {
		return nil, fmt.Errorf("add schema: %w", err)
	}
	return c.Compile(schemaID)
})

// denyLoader refuses every URL: the schema never makes the validator read a
// file or the network.
type denyLoader struct{}

func (denyLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("load %s: remote references are not allowed", url)
}

// Parse reads one dataset written in YAML or JSON as file (a name used in
// errors only), checks it against schema.json and the rules the schema
// cannot express, and returns it. Every error is a *LoadError.
func Parse(file string, data []byte) (*Dataset, error) {
	fail := func(field, reason string) error { return &LoadError{File: file, Field: field, Reason: reason} }
	if len(data) > MaxFileSize {
		return nil, fail("", fmt.Sprintf("larger than %d bytes", MaxFileSize))
	}
	js, err := toJSON(data)
	if err != nil {
		return nil, fail("", err.Error())
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, fail("", "decode: "+err.Error())
	}
	sch, err := compiledSchema()
	if err != nil {
		return nil, fmt.Errorf("compile semantic schema: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		field, reason := schemaReason(err)
		return nil, fail(field, reason)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	d := &Dataset{}
	if err := dec.Decode(d); err != nil {
		return nil, fail("", "decode: "+err.Error())
	}
	d.file = file
	if field, reason := check(d); reason != "" {
		return nil, fail(field, reason)
	}
	return d, nil
}

// toJSON returns data as JSON: as is when it is JSON, converted from YAML
// otherwise, refusing duplicate keys and multi-document streams.
func toJSON(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty document")
	}
	if trimmed[0] == '{' && json.Valid(trimmed) {
		return trimmed, nil
	}
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if err := dec.Decode(&v); err != io.EOF {
		return nil, errors.New("more than one YAML document")
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return js, nil
}

// schemaReason names the field and reason of the first leaf of a schema
// validation error, in field order so the message is deterministic.
func schemaReason(err error) (string, string) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return "", err.Error()
	}
	leaves := collectLeaves(ve, nil)
	slices.SortFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		return strings.Compare(fieldPath(a.InstanceLocation), fieldPath(b.InstanceLocation))
	})
	leaf := leaves[0]
	reason := leaf.ErrorKind.LocalizedString(printer)
	return fieldPath(leaf.InstanceLocation), reason
}

func collectLeaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = collectLeaves(c, out)
	}
	return out
}

// fieldPath renders a JSON pointer as fields[2].name.
func fieldPath(loc []string) string {
	var b strings.Builder
	for _, p := range loc {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// check applies the rules schema.json cannot express; it returns the field
// and reason of the first violation, or "" reasons.
func check(d *Dataset) (string, string) {
	names := map[string]bool{}
	for i, f := range d.Fields {
		key := strings.ToLower(f.Name)
		if names[key] {
			return fmt.Sprintf("fields[%d].name", i), fmt.Sprintf("field %q is defined twice", f.Name)
		}
		names[key] = true
		if f.Scope != "" && f.Level() != PII && f.Level() != Secret {
			return fmt.Sprintf("fields[%d].scope", i), "a scope only unlocks pii or secret fields"
		}
	}
	for i, k := range d.PrimaryKey {
		if d.Field(k) == nil {
			return fmt.Sprintf("primary_key[%d]", i), fmt.Sprintf("no field %q", k)
		}
	}
	for i, r := range d.Relationships {
		if len(r.FromColumns) != len(r.ToColumns) {
			return fmt.Sprintf("relationships[%d]", i), "from_columns and to_columns differ in length"
		}
		for j, c := range r.FromColumns {
			if d.Field(c) == nil {
				return fmt.Sprintf("relationships[%d].from_columns[%d]", i, j), fmt.Sprintf("no field %q", c)
			}
		}
	}
	if field, reason := uniqueNames("metrics", d.Metrics, func(m Metric) string { return m.Name }); reason != "" {
		return field, reason
	}
	if field, reason := uniqueNames("filters", d.Filters, func(f Filter) string { return f.Name }); reason != "" {
		return field, reason
	}
	return uniqueNames("verified_queries", d.VerifiedQueries, func(q VerifiedQuery) string { return q.Name })
}

func uniqueNames[T any](list string, items []T, name func(T) string) (string, string) {
	seen := map[string]bool{}
	for i, it := range items {
		n := name(it)
		if seen[n] {
			return fmt.Sprintf("%s[%d].name", list, i), fmt.Sprintf("%q is defined twice", n)
		}
		seen[n] = true
	}
	return "", ""
}
