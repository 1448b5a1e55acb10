package openapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/httpapi/lint"
	"github.com/secure-agent/saa/host/httpapi/openapi/openapitest"
	"github.com/secure-agent/saa/semantic"
)

var semanticOps = map[string]string{
	"/v1/semantic/datasets":        "listSemanticDatasets",
	"/v1/semantic/datasets/{name}": "getSemanticDataset",
	"/v1/semantic/context":         "getSemanticContext",
}

func TestBuildSemanticOnlyWhenMounted(t *testing.T) {
	without, _ := build(t)
	with, _ := build(t, PartSemantic)
	for path, id := range semanticOps {
		if _, ok := without.Paths[path]; ok {
			t.Errorf("%s is documented without the semantic part", path)
		}
		op, ok := with.Paths[path]["get"]
		if !ok || op.OperationID != id {
			t.Errorf("GET %s = %+v, want operation %s", path, op, id)
			continue
		}
		if len(op.Security) != 1 || !slices.Equal(op.Security[0]["oauth2"], []string{semantic.ScopeRead}) {
			t.Errorf("GET %s security = %v, want oauth2 [%s]", path, op.Security, semantic.ScopeRead)
		}
	}
	if _, ok := without.Components.Schemas["SemanticContext"]; ok {
		t.Error("semantic schemas without the semantic part")
	}
	// The drift checker holds every semantic schema closed, and closes only
	// those it finds: a misspelt name would go unchecked.
	closed := openapitest.DefaultOptions().ClosedIfPresent
	for name := range with.Components.Schemas {
		if strings.HasPrefix(name, "Semantic") && !slices.Contains(closed, name) {
			t.Errorf("schema %s is not in openapitest's ClosedIfPresent", name)
		}
	}
	for _, name := range closed {
		if strings.HasPrefix(name, "Semantic") && with.Components.Schemas[name] == nil {
			t.Errorf("openapitest closes %s, which the document does not have", name)
		}
	}
	scopes := with.Components.SecuritySchemes["oauth2"].Flows.ClientCredentials.Scopes
	for _, s := range []string{semantic.ScopeRead, semantic.ScopePII, semantic.ScopeSecret, "tickets:read"} {
		if scopes[s] == "" {
			t.Errorf("scope %s is not described: %v", s, scopes)
		}
	}
}

// TestBuildSemanticPassesRedoclyLint lints the document with the semantic
// part, as TestBuildPassesRedoclyLint does without it.
func TestBuildSemanticPassesRedoclyLint(t *testing.T) {
	_, raw := build(t, PartSemantic)
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := lint.Redocly(path); err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
}

// fill sets every exported member of v, recursively, to a value other than
// its zero, so that encoding it yields every member the type can send.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(100)
	case reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}

// everyMember is a dataset with every member set, to the values the
// layer's enums allow.
func everyMember() *semantic.Dataset {
	var d semantic.Dataset
	fill(reflect.ValueOf(&d).Elem())
	d.Fields[0].Role, d.Fields[0].Sensitivity = "time_dimension", semantic.PII
	d.Relationships[0].Type = "one_to_many"
	return &d
}

func everyContextMember() *semantic.Context {
	var c semantic.Context
	fill(reflect.ValueOf(&c).Elem())
	c.Fields[0].Sensitivity = semantic.Secret
	return &c
}

// TestSemanticSchemasMatchTheEncodedTypes holds the semantic schemas, held
// closed as the drift checker holds them, to what the handlers encode:
// every member of the types, the demo layer, and a dataset whose fields
// the caller may not see.
func TestSemanticSchemasMatchTheEncodedTypes(t *testing.T) {
	_, raw := build(t, PartSemantic)
	c, err := openapitest.New(raw, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	l, err := semantic.Load("../../../semantic/models")
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		name, path string
		body       any
	}
	answers := []answer{
		{"every member of a dataset", "/v1/semantic/datasets/x", everyMember()},
		{"every member of a summary", "/v1/semantic/datasets", map[string]any{"datasets": []semantic.Summary{{Name: "x", Table: "x", Description: "x", Fields: 1, RowCount: 1}}}},
		{"every member of a context", "/v1/semantic/context", everyContextMember()},
		{"no visible fields", "/v1/semantic/datasets/x", &semantic.Dataset{Name: "x"}},
		{"demo list", "/v1/semantic/datasets", map[string]any{"datasets": l.Summaries(semantic.Everything())}},
		{"empty list", "/v1/semantic/datasets", map[string]any{"datasets": l.Summaries(semantic.WithScopes([]string{"semantic:nothing"}))[:0]}},
		{"empty context", "/v1/semantic/context", l.Context("zzz qqq", semantic.WithScopes(nil), 0)},
	}
	for _, d := range l.Datasets {
		answers = append(answers, answer{"demo " + d.Name, "/v1/semantic/datasets/" + d.Name, l.VisibleDataset(d.Name, semantic.Everything())})
	}
	for _, q := range []string{"which dashboards load slowest for the finance team?", "open tickets by customer email", "releases with audit findings"} {
		answers = append(answers, answer{"demo context " + q, "/v1/semantic/context", l.Context(q, semantic.Everything(), semantic.MaxBudget)})
	}
	js := http.Header{"Content-Type": {"application/json"}}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			body, err := json.Marshal(a.body)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Check(http.MethodGet, a.path, http.StatusOK, js, body); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSemanticSchemasRefuseUnknownMembers shows the check above can fail: a
// member the schemas do not name, at any depth, is refused.
func TestSemanticSchemasRefuseUnknownMembers(t *testing.T) {
	_, raw := build(t, PartSemantic)
	c, err := openapitest.New(raw, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	dataset, _ := json.Marshal(everyMember())
	context, _ := json.Marshal(everyContextMember())
	summary := `{"datasets":[{"name":"x","table":"x","fields":1}]}`
	tests := []struct {
		name, path, body, old, new string
	}{
		{"dataset", "/v1/semantic/datasets/x", string(dataset), `"name":"x"`, `"name":"x","file":"/etc"`},
		{"field", "/v1/semantic/datasets/x", string(dataset), `"is_time":true`, `"is_time":true,"column":"x"`},
		{"ai context", "/v1/semantic/datasets/x", string(dataset), `"instructions":"x"`, `"instructions":"x","model":"x"`},
		{"bad role", "/v1/semantic/datasets/x", string(dataset), `"time_dimension"`, `"measure"`},
		{"summary", "/v1/semantic/datasets", summary, `"fields":1`, `"fields":1,"scope":"semantic:hr"`},
		{"summary without table", "/v1/semantic/datasets", summary, `"table":"x",`, ``},
		{"context field", "/v1/semantic/context", string(context), `"join_key":true`, `"join_key":true,"column":"x"`},
		{"bad sensitivity", "/v1/semantic/context", string(context), `"sensitivity":"secret"`, `"sensitivity":"top"`},
		{"missing prompt", "/v1/semantic/context", string(context), `"prompt":"x",`, ``},
		{"budget over the maximum", "/v1/semantic/context", string(context), `"budget":100`, `"budget":32001`},
	}
	js := http.Header{"Content-Type": {"application/json"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.body, tt.old) {
				t.Fatalf("%s is not in %s", tt.old, tt.body)
			}
			body := strings.Replace(tt.body, tt.old, tt.new, 1)
			if err := c.Check(http.MethodGet, tt.path, http.StatusOK, js, []byte(tt.body)); err != nil {
				t.Fatalf("before the edit: %v", err)
			}
			err := c.Check(http.MethodGet, tt.path, http.StatusOK, js, []byte(body))
			if !errors.Is(err, openapitest.ErrMismatch) {
				t.Fatalf("Check = %v, want ErrMismatch", err)
			}
		})
	}
}

// TestSemanticProblemsAreDocumented: the answers other than 200 the
// handlers give.
func TestSemanticProblemsAreDocumented(t *testing.T) {
	_, raw := build(t, PartSemantic)
	c, err := openapitest.New(raw, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pj := http.Header{"Content-Type": {"application/problem+json"}}
	problem := func(status int) []byte {
		return []byte(`{"type":"https://saa.dev/problems/x","title":"x","status":` + strconv.Itoa(status) + `}`)
	}
	ok := []struct {
		path   string
		status int
	}{
		{"/v1/semantic/datasets", 401}, {"/v1/semantic/datasets", 403}, {"/v1/semantic/datasets", 429},
		{"/v1/semantic/datasets/x", 404}, {"/v1/semantic/datasets/x", 403},
		{"/v1/semantic/context", 400}, {"/v1/semantic/context", 401},
	}
	for _, tt := range ok {
		if err := c.Check(http.MethodGet, tt.path, tt.status, pj, problem(tt.status)); err != nil {
			t.Errorf("%s %d: %v", tt.path, tt.status, err)
		}
	}
	for _, tt := range []struct {
		path   string
		status int
	}{{"/v1/semantic/datasets", 404}, {"/v1/semantic/datasets", 400}, {"/v1/semantic/context", 404}} {
		if err := c.Check(http.MethodGet, tt.path, tt.status, pj, problem(tt.status)); err == nil {
			t.Errorf("%s %d: undocumented status accepted", tt.path, tt.status)
		}
	}
}
