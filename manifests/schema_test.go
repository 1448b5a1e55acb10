package manifests

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestActionSchemasNeverFetch(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"type": "object"}`))
	}))
	defer srv.Close()
	local := filepath.Join(t.TempDir(), "local.json")
	if err := os.WriteFile(local, []byte(`{"type": "object"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		schema map[string]any
	}{
		{"http ref", map[string]any{"$ref": srv.URL + "/schema.json"}},
		{"nested http ref", map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"$ref": srv.URL + "/a.json"}}}},
		{"http metaschema", map[string]any{"$schema": srv.URL + "/meta.json", "type": "object"}},
		{"dynamic ref", map[string]any{"$dynamicRef": srv.URL + "/d.json"}},
		{"relative ref", map[string]any{"$ref": "other.json"}},
		{"id then relative ref", map[string]any{"$id": srv.URL + "/base.json", "$ref": "other.json"}},
		{"file ref", map[string]any{"$ref": "file://" + local}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDoc()
			at(d, "actions", 0)["input"] = tc.schema
			_, err := Parse(mustJSON(t, d))
			assertFieldError(t, err, "actions[0].input", "invalid JSON Schema")
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server was fetched %d times", n)
	}
}

func TestActionSchemasValidate(t *testing.T) {
	m := mustLoad(t, "testdata/valid.yaml")
	in := m.InputSchema("create_issue")
	cases := []struct {
		name  string
		input string
		ok    bool
	}{
		{"valid", `{"repo": "a/b", "title": "t", "labels": ["bug"]}`, true},
		{"missing title", `{"repo": "a/b"}`, false},
		{"bad repo", `{"repo": "ab", "title": "t"}`, false},
		{"label via local ref", `{"repo": "a/b", "title": "t", "labels": [1]}`, false},
		{"extra field", `{"repo": "a/b", "title": "t", "x": 1}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(tc.input)))
			if err != nil {
				t.Fatal(err)
			}
			if err := in.Validate(v); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
	if m.InputSchema("missing") != nil || (&Manifest{}).OutputSchema("x") != nil {
		t.Error("schema for an unknown action")
	}
}

func TestActionSchemasAssertFormat(t *testing.T) {
	d := validDoc()
	at(d, "actions", 0)["input"] = map[string]any{"type": "object", "properties": map[string]any{
		"url": map[string]any{"type": "string", "format": "uri"},
	}}
	m, err := Parse(mustJSON(t, d))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, input string
		ok          bool
	}{
		{"absolute uri", `{"url": "https://example.com/x"}`, true},
		{"relative reference", `{"url": "/x"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(tc.input)))
			if err := m.InputSchema("echo").Validate(v); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestFirstPartyManifestsLoad(t *testing.T) {
	loaded, err := LoadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range loaded {
		for _, a := range l.Actions {
			if l.InputSchema(a.Name) == nil {
				t.Errorf("%s: %s has no input schema", l.File, a.Name)
			}
		}
	}
}

func TestActionSchemasKeepTheirDraft(t *testing.T) {
	d := validDoc()
	at(d, "actions", 0)["input"] = map[string]any{
		"$schema":     "http://json-schema.org/draft-07/schema#",
		"definitions": map[string]any{"n": map[string]any{"type": "integer"}},
		"items":       []any{map[string]any{"$ref": "#/definitions/n"}},
	}
	m, err := Parse(mustJSON(t, d))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`["x"]`)))
	if m.InputSchema("echo").Validate(v) == nil {
		t.Error("draft-07 tuple items not applied")
	}
}

func TestSchemaJSONIsACopy(t *testing.T) {
	a := SchemaJSON()
	a[0] = 'x'
	if SchemaJSON()[0] == 'x' {
		t.Error("SchemaJSON shares its bytes")
	}
}
