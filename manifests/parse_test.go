package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// validDoc returns a minimal valid manifest as a JSON-shaped map that cases
// can mutate.
func validDoc() map[string]any {
	return map[string]any{
		"name":      "echo",
		"version":   "0.1.0",
		"publisher": "saa",
		"wasm": map[string]any{
			"path":   "../plugins/echo/echo.wasm",
			"sha256": strings.Repeat("ab", 32),
		},
		"egress": []any{"https://api.example.com/v1"},
		"secrets": []any{map[string]any{
			"name": "token", "hosts": []any{"https://api.example.com/v1"},
			"header": "Authorization", "format": "Bearer {{value}}",
		}},
		"actions": []any{map[string]any{
			"name": "echo", "description": "Echo the input.", "scopes": []any{"call"},
			"effect": "read",
			"input":  map[string]any{"type": "object"},
			"output": map[string]any{"type": "object"},
		}},
	}
}

// mustJSON encodes v or fails the test.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// at returns the object at a path of keys and indexes in doc.
func at(doc map[string]any, path ...any) map[string]any {
	var cur any = doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	return cur.(map[string]any)
}

func TestParseYAMLAndJSONAreEqual(t *testing.T) {
	fromYAML := mustLoad(t, "testdata/valid.yaml")
	fromJSON := mustLoad(t, "testdata/valid.json")
	if fromYAML.InputSchema("create_issue") == nil || fromJSON.OutputSchema("list_issues") == nil {
		t.Fatal("schemas not compiled")
	}
	fromYAML.schemas, fromJSON.schemas = nil, nil
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		t.Fatalf("YAML and JSON differ:\n%+v\n%+v", fromYAML, fromJSON)
	}
	want := Limits{MemoryBytes: 64 << 20, Timeout: 5 * time.Second, MaxOutput: 1 << 20}
	if fromYAML.Limits != want {
		t.Errorf("limits = %+v, want %+v", fromYAML.Limits, want)
	}
	if got := fromYAML.NamespacedScopes(fromYAML.Actions[0]); !reflect.DeepEqual(got, []string{"github:issues.write"}) {
		t.Errorf("scopes = %v", got)
	}
}

// mustLoad loads a manifest file or fails the test.
func mustLoad(t *testing.T, path string) *Manifest {
	t.Helper()
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(d map[string]any)
		field  string
		reason string
	}{
		{"unknown top-level field", func(d map[string]any) { d["extra"] = 1 }, "extra", "unknown field"},
		{"unknown nested field", func(d map[string]any) { at(d, "wasm")["url"] = "x" }, "wasm.url", "unknown field"},
		{"unknown action field", func(d map[string]any) { at(d, "actions", 0)["timeout"] = "1s" }, "actions[0].timeout", "unknown field"},
		{"missing name", func(d map[string]any) { delete(d, "name") }, "name", "is required"},
		{"uppercase name", func(d map[string]any) { d["name"] = "Echo" }, "name", "must match"},
		{"one-letter name", func(d map[string]any) { d["name"] = "e" }, "name", "must match"},
		{"name too long", func(d map[string]any) { d["name"] = "e" + strings.Repeat("x", 32) }, "name", "must match"},
		{"name with dash", func(d map[string]any) { d["name"] = "my-plugin" }, "name", "must match"},
		{"name not a string", func(d map[string]any) { d["name"] = 7 }, "name", "want string"},
		{"bad semver", func(d map[string]any) { d["version"] = "1.2" }, "version", "must match"},
		{"semver leading zero", func(d map[string]any) { d["version"] = "01.2.3" }, "version", "must match"},
		{"empty publisher", func(d map[string]any) { d["publisher"] = "" }, "publisher", "must not be empty"},
		{"missing wasm sha256", func(d map[string]any) { delete(at(d, "wasm"), "sha256") }, "wasm.sha256", "is required"},
		{"uppercase sha256", func(d map[string]any) { at(d, "wasm")["sha256"] = strings.Repeat("AB", 32) }, "wasm.sha256", "must match"},
		{"short sha256", func(d map[string]any) { at(d, "wasm")["sha256"] = "abcd" }, "wasm.sha256", "must match"},
		{"absolute wasm path", func(d map[string]any) { at(d, "wasm")["path"] = "/etc/x.wasm" }, "wasm.path", "relative"},
		{"bad egress scheme", func(d map[string]any) { d["egress"] = []any{"ftp://example.com"} }, "egress[0]", "scheme"},
		{"egress with userinfo", func(d map[string]any) { d["egress"] = []any{"https://u:p@example.com"} }, "egress[0]", "userinfo"},
		{"egress with query", func(d map[string]any) { d["egress"] = []any{"https://example.com/?a=1"} }, "egress[0]", "query"},
		{"egress uppercase host", func(d map[string]any) { d["egress"] = []any{"https://Example.com"} }, "egress[0]", "lowercase"},
		{"egress duplicate after normalisation", func(d map[string]any) {
			d["egress"] = []any{"https://example.com", "https://example.com:443/"}
			d["secrets"] = []any{}
		}, "egress[1]", "same rule as egress[0]"},
		{"egress duplicate strings", func(d map[string]any) {
			d["egress"] = []any{"https://example.com", "https://example.com"}
		}, "egress", "duplicates"},
		{"secret host not in egress", func(d map[string]any) {
			at(d, "secrets", 0)["hosts"] = []any{"https://evil.example.net"}
		}, "secrets[0].hosts[0]", "must be one of the egress entries"},
		{"secret host wider than egress", func(d map[string]any) {
			at(d, "secrets", 0)["hosts"] = []any{"https://api.example.com"}
		}, "secrets[0].hosts[0]", "must be one of the egress entries"},
		{"secret without hosts", func(d map[string]any) { at(d, "secrets", 0)["hosts"] = []any{} }, "secrets[0].hosts", "must not be empty"},
		{"secret format without value", func(d map[string]any) { at(d, "secrets", 0)["format"] = "Bearer" }, "secrets[0].format", "must match"},
		{"secret format with newline", func(d map[string]any) {
			at(d, "secrets", 0)["format"] = "{{value}}\r\nX-Evil: 1"
		}, "secrets[0].format", "must match"},
		{"secret header not a token", func(d map[string]any) { at(d, "secrets", 0)["header"] = "Auth orization" }, "secrets[0].header", "must match"},
		{"per-user secret without oauth", func(d map[string]any) { at(d, "secrets", 0)["per_user"] = true }, "secrets[0].oauth", "required when per_user is true"},
		{"oauth on a plugin secret", func(d map[string]any) {
			at(d, "secrets", 0)["oauth"] = map[string]any{"provider": "google"}
		}, "secrets[0].oauth", "only a per_user secret"},
		{"per-user secret with a bad provider name", func(d map[string]any) {
			at(d, "secrets", 0)["per_user"] = true
			at(d, "secrets", 0)["oauth"] = map[string]any{"provider": "Google!"}
		}, "secrets[0].oauth.provider", "must match"},
		{"per-user secret with an unknown oauth field", func(d map[string]any) {
			at(d, "secrets", 0)["per_user"] = true
			at(d, "secrets", 0)["oauth"] = map[string]any{"provider": "google", "client_secret": "x"}
		}, "secrets[0].oauth.client_secret", "unknown field"},
		{"per-user secret with a scope holding a space", func(d map[string]any) {
			at(d, "secrets", 0)["per_user"] = true
			at(d, "secrets", 0)["oauth"] = map[string]any{"provider": "google", "scopes": []any{"a b"}}
		}, "secrets[0].oauth.scopes[0]", "must match"},
		{"secret header that frames the request", func(d map[string]any) { at(d, "secrets", 0)["header"] = "Content-Length" }, "secrets[0].header", "frames or routes"},
		{"duplicate secret", func(d map[string]any) {
			d["secrets"] = append(d["secrets"].([]any), map[string]any{
				"name": "token", "hosts": []any{"https://api.example.com/v1"}, "header": "X-Key", "format": "{{value}}",
			})
		}, "secrets[1].name", "same name as secrets[0]"},
		{"duplicate warehouse", func(d map[string]any) {
			d["warehouses"] = []any{map[string]any{"name": "support"}, map[string]any{"name": "support"}}
		}, "warehouses[1].name", "declared twice"},
		{"warehouse name not an identifier", func(d map[string]any) {
			d["warehouses"] = []any{map[string]any{"name": "../etc"}}
		}, "warehouses[0].name", "must match"},
		{"too many actions", func(d map[string]any) {
			var many []any
			for i := range 257 {
				a := map[string]any{}
				for k, v := range at(d, "actions", 0) {
					a[k] = v
				}
				a["name"] = fmt.Sprintf("a%d", i)
				many = append(many, a)
			}
			d["actions"] = many
		}, "actions", "must have at most 256 items"},
		{"no actions", func(d map[string]any) { d["actions"] = []any{} }, "actions", "must not be empty"},
		{"action without scopes", func(d map[string]any) { at(d, "actions", 0)["scopes"] = []any{} }, "actions[0].scopes", "must not be empty"},
		{"scope with colon", func(d map[string]any) { at(d, "actions", 0)["scopes"] = []any{"other:admin"} }, "actions[0].scopes[0]", "must match"},
		{"bad effect", func(d map[string]any) { at(d, "actions", 0)["effect"] = "maybe" }, "actions[0].effect", "must be one of read, write, destructive"},
		{"bad action name", func(d map[string]any) { at(d, "actions", 0)["name"] = "_start" }, "actions[0].name", "must match"},
		{"missing output", func(d map[string]any) { delete(at(d, "actions", 0), "output") }, "actions[0].output", "is required"},
		{"input not an object", func(d map[string]any) { at(d, "actions", 0)["input"] = true }, "actions[0].input", "want object"},
		{"invalid JSON Schema in input", func(d map[string]any) {
			at(d, "actions", 0)["input"] = map[string]any{"type": 5}
		}, "actions[0].input.type", "invalid JSON Schema"},
		{"invalid keyword deep in input", func(d map[string]any) {
			at(d, "actions", 0)["input"] = map[string]any{"properties": map[string]any{"a": map[string]any{"minimum": "x"}}}
		}, "actions[0].input.properties.a.minimum", "invalid JSON Schema: got string, want number"},
		{"invalid regexp in output", func(d map[string]any) {
			at(d, "actions", 0)["output"] = map[string]any{"type": "string", "pattern": "(("}
		}, "actions[0].output.pattern", "invalid JSON Schema"},
		{"duplicate action", func(d map[string]any) {
			d["actions"] = append(d["actions"].([]any), d["actions"].([]any)[0])
		}, "actions[1].name", "duplicate action"},
		{"duplicate action name", func(d map[string]any) {
			second := map[string]any{}
			for k, v := range at(d, "actions", 0) {
				second[k] = v
			}
			second["effect"] = "write"
			d["actions"] = append(d["actions"].([]any), second)
		}, "actions[1].name", "duplicate action"},
		{"memory too small", func(d map[string]any) { d["limits"] = map[string]any{"memory": "512KiB"} }, "limits.memory", "between 1MiB and 4GiB"},
		{"memory too large", func(d map[string]any) { d["limits"] = map[string]any{"memory": "5GiB"} }, "limits.memory", "between"},
		{"memory overflow", func(d map[string]any) { d["limits"] = map[string]any{"memory": "99999999999999GiB"} }, "limits.memory", "too large"},
		{"memory bad unit", func(d map[string]any) { d["limits"] = map[string]any{"memory": "64MB"} }, "limits.memory", "must match"},
		{"memory negative", func(d map[string]any) { d["limits"] = map[string]any{"memory": -1} }, "limits.memory", "minimum"},
		{"timeout too long", func(d map[string]any) { d["limits"] = map[string]any{"timeout": "11m"} }, "limits.timeout", "between 1ms and 10m0s"},
		{"timeout too short", func(d map[string]any) { d["limits"] = map[string]any{"timeout": "10us"} }, "limits.timeout", "between"},
		{"timeout not a duration", func(d map[string]any) { d["limits"] = map[string]any{"timeout": "5 seconds"} }, "limits.timeout", "must match"},
		{"max_output too small", func(d map[string]any) { d["limits"] = map[string]any{"max_output": 100} }, "limits.max_output", "between 1KiB and 64MiB"},
		{"max_output too large", func(d map[string]any) { d["limits"] = map[string]any{"max_output": "65MiB"} }, "limits.max_output", "between"},
		{"rag threshold too small", func(d map[string]any) { at(d, "actions", 0)["rag"] = map[string]any{"threshold": 100} }, "actions[0].rag.threshold", "between 1KiB and 64MiB"},
		{"rag threshold too large", func(d map[string]any) { at(d, "actions", 0)["rag"] = map[string]any{"threshold": "65MiB"} }, "actions[0].rag.threshold", "between"},
		{"rag threshold bad unit", func(d map[string]any) { at(d, "actions", 0)["rag"] = map[string]any{"threshold": "32KB"} }, "actions[0].rag.threshold", "must match"},
		{"rag without threshold", func(d map[string]any) { at(d, "actions", 0)["rag"] = map[string]any{} }, "actions[0].rag.threshold", "is required"},
		{"rag unknown field", func(d map[string]any) { at(d, "actions", 0)["rag"] = map[string]any{"threshold": 2048, "k": 3} }, "actions[0].rag.k", "unknown field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDoc()
			tc.mutate(d)
			_, err := Parse(mustJSON(t, d))
			assertFieldError(t, err, tc.field, tc.reason)
		})
	}
}

// assertFieldError checks err is a *FieldError on field whose reason
// contains reason, and that it wraps ErrInvalid.
func assertFieldError(t *testing.T, err error, field, reason string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FieldError", err)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v does not wrap ErrInvalid", err)
	}
	if fe.Field != field || !strings.Contains(fe.Reason, reason) {
		t.Errorf("err = %q, want field %q and reason containing %q", err, field, reason)
	}
}

func TestParseRAGThreshold(t *testing.T) {
	for in, want := range map[any]int64{"32KiB": 32 << 10, 4096: 4096, "64MiB": 64 << 20} {
		d := validDoc()
		at(d, "actions", 0)["rag"] = map[string]any{"threshold": in}
		m, err := Parse(mustJSON(t, d))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Actions[0].RAG; got == nil || got.Threshold != want {
			t.Errorf("threshold %v = %+v, want %d", in, got, want)
		}
	}
	m, err := Parse(mustJSON(t, validDoc()))
	if err != nil || m.Actions[0].RAG != nil {
		t.Fatalf("absent rag = %+v, %v", m.Actions[0].RAG, err)
	}
}

func TestParseAcceptsZeroAndPlainLimits(t *testing.T) {
	cases := []struct {
		name   string
		limits map[string]any
		want   Limits
	}{
		{"absent", nil, Limits{}},
		{"zero", map[string]any{"memory": 0, "timeout": "0", "max_output": "0"}, Limits{}},
		{"plain bytes", map[string]any{"memory": 1 << 20, "max_output": 1024}, Limits{MemoryBytes: 1 << 20, MaxOutput: 1024}},
		{"upper bounds", map[string]any{"memory": "4GiB", "timeout": "10m", "max_output": "64MiB"}, Limits{MemoryBytes: 4 << 30, Timeout: 10 * time.Minute, MaxOutput: 64 << 20}},
		{"lower bounds", map[string]any{"memory": "1024KiB", "timeout": "1ms", "max_output": "1024B"}, Limits{MemoryBytes: 1 << 20, Timeout: time.Millisecond, MaxOutput: 1024}},
		{"compound duration", map[string]any{"timeout": "1m30s"}, Limits{Timeout: 90 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDoc()
			if tc.limits != nil {
				d["limits"] = tc.limits
			}
			m, err := Parse(mustJSON(t, d))
			if err != nil {
				t.Fatal(err)
			}
			if m.Limits != tc.want {
				t.Errorf("limits = %+v, want %+v", m.Limits, tc.want)
			}
		})
	}
}

func TestParseRejectsDocuments(t *testing.T) {
	valid, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		doc    string
		reason string
	}{
		{"empty", "  \n", "empty document"},
		{"not an object", "[1, 2]", "want object"},
		{"yaml syntax", "name: [", "parse"},
		{"duplicate yaml key", "name: a\nname: b\n", "already"},
		{"duplicate json key", `{"name": "abc", "name": "abd"}`, "duplicate key"},
		{"trailing json", `{"name": "abc"} {}`, "parse"},
		{"two yaml documents", "name: abc\n---\nname: abd\n", "more than one"},
		{"yaml garbage after end", "name: abc\n...\n[", "parse"},
		{"too deep", strings.Repeat("[", 200) + strings.Repeat("]", 200), "nested deeper"},
		{"alias bomb", aliasBomb(), ""},
		{"oversized", string(valid) + "\n#" + strings.Repeat("x", MaxManifestSize), "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("err = %q, want it to contain %q", err, tc.reason)
			}
		})
	}
}

// aliasBomb is a "billion laughs" YAML document.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestParseErrorMessage(t *testing.T) {
	d := validDoc()
	at(d, "actions", 0)["scopes"] = []any{}
	_, err := Parse(mustJSON(t, d))
	if got, want := err.Error(), "manifest: actions[0].scopes: must not be empty"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func TestParseErrorsAreOneBoundedLine(t *testing.T) {
	hostile := "x\nmanifest: ok" + strings.Repeat("y", 2000)
	cases := []struct{ name, doc string }{
		{"unknown key", string(mustJSON(t, map[string]any{hostile: 1}))},
		{"duplicate json key", `{"` + strings.ReplaceAll(hostile, "\n", `\n`) + `": 1, "` + strings.ReplaceAll(hostile, "\n", `\n`) + `": 2}`},
		{"duplicate yaml key", "a: 1\na: 2\n"},
		{"schema with many errors", `{"name": "abc", "version": "1.0.0", "publisher": "p", "wasm": {"path": "x", "sha256": "` + sha256Hex(nil) +
			`"}, "actions": [{"name": "a", "description": "", "scopes": ["x"], "effect": "read", "output": {}, "input": {"type": 5, "required": 1}}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil || strings.ContainsAny(err.Error(), "\n\r") || len(err.Error()) > 400 {
				t.Fatalf("err = %q, want one short line", err)
			}
		})
	}
}

func TestParsePerUserSecret(t *testing.T) {
	d := validDoc()
	s := at(d, "secrets", 0)
	s["per_user"] = true
	s["oauth"] = map[string]any{"provider": "google", "scopes": []any{"https://mail.google.com/", "openid"}}
	m, err := Parse(mustJSON(t, d))
	if err != nil {
		t.Fatal(err)
	}
	got := m.PerUserSecrets()
	want := []Secret{{
		Name: "token", Hosts: []string{"https://api.example.com/v1"}, Header: "Authorization", Format: "Bearer {{value}}",
		PerUser: true, OAuth: &SecretOAuth{Provider: "google", Scopes: []string{"https://mail.google.com/", "openid"}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PerUserSecrets = %+v, want %+v", got, want)
	}
	delete(s, "per_user")
	delete(s, "oauth")
	if m, err = Parse(mustJSON(t, d)); err != nil || len(m.PerUserSecrets()) != 0 {
		t.Fatalf("plugin secret: per-user %v, err %v", m.PerUserSecrets(), err)
	}
}
