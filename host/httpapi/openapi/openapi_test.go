package openapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/httpapi/lint"
	"github.com/secure-agent/saa/manifests"
)

// load parses manifest files for the tests.
func load(t *testing.T, paths ...string) []*manifests.Manifest {
	t.Helper()
	var out []*manifests.Manifest
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := manifests.Parse(data)
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		out = append(out, m)
	}
	return out
}

func testPlugins(t *testing.T) []*manifests.Manifest {
	return load(t, "../../../manifests/testdata/valid.yaml", "testdata/tickets.yaml")
}

// doc is the subset of the document the tests read.
type doc struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Security    []map[string][]string `json:"security"`
		RequestBody struct {
			Content map[string]struct {
				Schema map[string]string `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]struct {
			Flows struct {
				ClientCredentials struct {
					TokenURL string            `json:"tokenUrl"`
					Scopes   map[string]string `json:"scopes"`
				} `json:"clientCredentials"`
			} `json:"flows"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

// build builds the document of the test plugins with parts, decoded and raw.
func build(t *testing.T, parts ...Part) (doc, []byte) {
	t.Helper()
	raw, err := Build(testPlugins(t), "https://saa.example.com", "test", parts...)
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d, raw
}

func TestBuildOperations(t *testing.T) {
	d, _ := build(t)
	if d.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", d.OpenAPI)
	}
	tests := []struct {
		name   string
		path   string
		opID   string
		scopes []string
	}{
		{"write action", "/v1/actions/github/create_issue", "github.create_issue", []string{"github:issues.write"}},
		{"read action", "/v1/actions/github/list_issues", "github.list_issues", []string{"github:issues.read"}},
		{"shared scope", "/v1/actions/tickets/close", "tickets.close", []string{"tickets:write"}},
		{"read scope", "/v1/actions/tickets/ping", "tickets.ping", []string{"tickets:read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, ok := d.Paths[tt.path]["post"]
			if !ok {
				t.Fatalf("no POST %s", tt.path)
			}
			if op.OperationID != tt.opID {
				t.Errorf("operationId = %q, want %q", op.OperationID, tt.opID)
			}
			if len(op.Security) != 1 || !slices.Equal(op.Security[0]["oauth2"], tt.scopes) {
				t.Errorf("security = %v, want oauth2 %v", op.Security, tt.scopes)
			}
			in := op.RequestBody.Content["application/json"].Schema["$ref"]
			if name := filepath.Base(in); d.Components.Schemas[name] == nil {
				t.Errorf("input schema %q is not in components", in)
			}
		})
	}
	if got := len(d.Paths); got != 2+2+5 {
		t.Errorf("%d paths, want 9 (catalog, runs, 2 of RAG handles and 5 actions)", got)
	}
}

func TestBuildSecurityScheme(t *testing.T) {
	d, _ := build(t)
	cc := d.Components.SecuritySchemes["oauth2"].Flows.ClientCredentials
	if cc.TokenURL != "https://saa.example.com/oauth2/token" {
		t.Errorf("tokenUrl = %q", cc.TokenURL)
	}
	want := []string{"github:issues.read", "github:issues.write", "tickets:read", "tickets:write"}
	var got []string
	for s := range cc.Scopes {
		got = append(got, s)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("scopes = %v, want %v", got, want)
	}
}

func TestBuildRewritesLocalRefs(t *testing.T) {
	d, _ := build(t)
	tests := []struct {
		name, schema, want string
	}{
		{"array items", "github.create_issue.input", `"$ref":"#/components/schemas/github.create_issue.input.label"`},
		{"property", "tickets.open.input", `"$ref":"#/components/schemas/tickets.open.input.priority"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var compact bytes.Buffer
			if err := json.Compact(&compact, d.Components.Schemas[tt.schema]); err != nil {
				t.Fatal(err)
			}
			if got := compact.String(); !strings.Contains(got, tt.want) || strings.Contains(got, "$defs") {
				t.Errorf("schema %s = %s, want it to contain %s and no $defs", tt.schema, got, tt.want)
			}
		})
	}
}

// TestBuildPassesRedoclyLint runs the real linter (Redocly CLI, installed by
// make test-deps in host/httpapi/lint) over a generated document.
func TestBuildPassesRedoclyLint(t *testing.T) {
	_, raw := build(t)
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := lint.Redocly(path); err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
}
