package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/semantic"
)

var semanticFiles = map[string]string{
	"tickets.yaml": `name: tickets
description: Customer support tickets.
fields:
  - {name: id, datatype: INTEGER}
  - {name: status, datatype: TEXT, sample_values: [open, closed], is_enum: true}
  - {name: customer_email, datatype: TEXT, sensitivity: pii}
verified_queries:
  - {name: open, question: "How many tickets are open?", sql: "SELECT COUNT(*) FROM tickets WHERE status = 'open'"}
`,
	"salaries.yaml": "name: salaries\nscope: semantic:hr\nfields: [{name: amount}]\n",
}

func semanticFixture(t *testing.T) *fixture {
	l := semanticLayer(t)
	return newFixture(t, options{config: func(c *Config) { c.Semantic = l }})
}

// semanticLayer loads semanticFiles.
func semanticLayer(t *testing.T) *semantic.Layer {
	dir := t.TempDir()
	for name, doc := range semanticFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l, err := semantic.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSemanticEndpointsAreScoped(t *testing.T) {
	f := semanticFixture(t)
	_, none := f.token("echo:call")
	_, reader := f.token(semantic.ScopeRead)
	_, pii := f.token(semantic.ScopeRead, semantic.ScopePII)
	_, hr := f.token(semantic.ScopeRead, "semantic:hr")

	t.Run("no token", func(t *testing.T) {
		if r := f.call(http.MethodGet, "/v1/semantic/datasets", "", ""); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", r.StatusCode)
		}
	})
	t.Run("token without semantic:read", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/semantic/context?q=tickets", none, "")
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
			t.Fatalf("status %d %s", r.StatusCode, r.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("list shows only visible datasets", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/semantic/datasets", reader, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(string(r.body), `"name":"tickets"`) || strings.Contains(string(r.body), "salaries") {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		if r := f.call(http.MethodGet, "/v1/semantic/datasets", hr, ""); !strings.Contains(string(r.body), "salaries") {
			t.Fatalf("hr scope: %s", r.body)
		}
	})
	t.Run("a dataset hides fields without their scope", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/semantic/datasets/tickets", reader, "")
		if r.StatusCode != http.StatusOK || strings.Contains(string(r.body), "customer_email") || !strings.Contains(string(r.body), "status") {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		if r := f.call(http.MethodGet, "/v1/semantic/datasets/tickets", pii, ""); !strings.Contains(string(r.body), "customer_email") {
			t.Fatalf("pii scope: %s", r.body)
		}
	})
	t.Run("a hidden dataset is not found", func(t *testing.T) {
		for _, name := range []string{"salaries", "nope"} {
			if r := f.call(http.MethodGet, "/v1/semantic/datasets/"+name, reader, ""); r.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d", name, r.StatusCode)
			}
		}
	})
	t.Run("context", func(t *testing.T) {
		r := f.call(http.MethodGet, "/v1/semantic/context?budget=300&q="+url.QueryEscape("how many open tickets, by customer email"), reader, "")
		var c semantic.Context
		if r.StatusCode != http.StatusOK || json.Unmarshal(r.body, &c) != nil {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		if len(c.Fields) == 0 || c.Fields[0].Dataset != "tickets" || c.Tokens > 300 || !strings.Contains(c.Prompt, "How many tickets are open?") {
			t.Fatalf("context %+v", c)
		}
		if strings.Contains(string(r.body), "customer_email") {
			t.Fatal("context shows a pii field without its scope")
		}
	})
	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"", "?q=", "?q=x&budget=abc", "?q=x&budget=1", "?q=x&budget=99999999", "?q=" + strings.Repeat("a", 5000)} {
			if r := f.call(http.MethodGet, "/v1/semantic/context"+q, reader, ""); r.StatusCode != http.StatusBadRequest || problemKind(t, r) != "bad-request" {
				t.Fatalf("%q: %d %s", q, r.StatusCode, r.body)
			}
		}
	})
}

func TestSemanticContextOnTheDemoLayer(t *testing.T) {
	l, err := semantic.Load("../../semantic/models")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, options{config: func(c *Config) { c.Semantic = l }})
	_, tok := f.token(semantic.ScopeRead)
	r := f.call(http.MethodGet, "/v1/semantic/context?q="+url.QueryEscape("which dashboards load slowest for the finance team?"), tok, "")
	var c semantic.Context
	if r.StatusCode != http.StatusOK || json.Unmarshal(r.body, &c) != nil || len(c.Fields) < 2 {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	if c.Fields[0].Dataset != "dashboard_usage" || !strings.Contains(c.Prompt, "SELECT dashboard, MAX(p95_load_ms)") {
		t.Fatalf("context %+v\n%s", c.Fields[:2], c.Prompt)
	}
}
