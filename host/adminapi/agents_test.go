package adminapi_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/plugintest"
)

func TestAgentDefinitions(t *testing.T) {
	files, err := agents.LoadDir(filepath.Join(plugintest.Repo(), "manifests", "agents"))
	if err != nil {
		t.Fatal(err)
	}
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword, AgentFiles: files})
	if err := s.Auth.Users().Create(t.Context(), "viewer", "viewer password", authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: s.Auth, url: s.URL, hc: s.Client}
	viewer := basic("viewer", "viewer password")
	put := func(name, ctype, body string, c cred) resp {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPut, e.url+adminapi.Prefix+"/agents/"+name, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		c(req)
		res, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return resp{status: res.StatusCode, raw: string(raw)}
	}
	const helper = "name: helper\ndescription: helps\nmodel: {name: m}\ninstructions: help\nhandoffs: [analyst]\n"

	t.Run("create as YAML, replace as JSON, new runs see it", func(t *testing.T) {
		if r := put("helper", "application/yaml", helper, admin); r.status != 201 || !strings.Contains(r.raw, `"source":"stored"`) || !strings.Contains(r.raw, `"handoffs":["analyst"]`) {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
		if r := put("helper", "application/json", `{"name":"helper","description":"v2","model":{"name":"m"},"instructions":"help"}`, admin); r.status != 200 {
			t.Fatalf("replace: %d %s", r.status, r.raw)
		}
		if d := s.Agents.Set()["helper"]; d == nil || d.Description != "v2" {
			t.Fatalf("the catalog holds %+v", d)
		}
		r := e.call("GET", "/agents/helper", viewer, "")
		if doc, _ := r.body["document"].(string); r.status != 200 || !strings.Contains(doc, `"description":"v2"`) {
			t.Fatalf("get: %d %s", r.status, r.raw)
		}
		r = e.call("GET", "/agents", viewer, "")
		if r.status != 200 || !strings.Contains(r.raw, `"name":"analyst","source":"file"`) || !strings.Contains(r.raw, `"name":"helper","source":"stored"`) {
			t.Fatalf("list: %d %s", r.status, r.raw)
		}
	})
	for _, c := range []struct {
		name, agent, ctype, body string
		cred                     cred
		status                   int
		want                     string
	}{
		{"a viewer", "helper", "application/yaml", helper, viewer, 403, ""},
		{"no credentials", "helper", "application/yaml", helper, none, 401, ""},
		{"a schema failure names the field", "bad", "application/yaml", "name: bad\nmodel: {name: m}\ninstructions: x\napproval: sometimes\n", admin, 422, "agent bad: approval: must be one of"},
		{"an unknown field", "bad", "application/yaml", "name: bad\nmodel: {name: m}\ninstructions: x\ncolour: red\n", admin, 422, "colour: unknown field"},
		{"another name than the path", "other", "application/yaml", helper, admin, 422, `name: must be \"other\"`},
		{"a handoff to no agent", "lost", "application/yaml", "name: lost\nmodel: {name: m}\ninstructions: x\nhandoffs: [ghost]\n", admin, 422, "handoffs: no agent"},
		{"a file's agent", "triage", "application/yaml", "name: triage\nmodel: {name: m}\ninstructions: x\n", admin, 409, "file"},
		{"not YAML or JSON", "helper", "text/plain", helper, admin, 415, ""},
		{"not YAML", "broken", "application/yaml", "name: [\n", admin, 422, "agent broken"},
	} {
		t.Run("put refuses "+c.name, func(t *testing.T) {
			r := put(c.agent, c.ctype, c.body, c.cred)
			if r.status != c.status || !strings.Contains(r.raw, c.want) {
				t.Fatalf("%d %s, want %d %q", r.status, r.raw, c.status, c.want)
			}
			if c.status == 422 && !strings.Contains(r.raw, "invalid-agent") {
				t.Fatalf("problem type: %s", r.raw)
			}
		})
	}
	t.Run("delete", func(t *testing.T) {
		for _, c := range []struct {
			path   string
			cred   cred
			status int
		}{
			{"/agents/helper", viewer, 403},
			{"/agents/triage", admin, 409},
			{"/agents/ghost", admin, 404},
			{"/agents/helper", admin, 204},
			{"/agents/helper", admin, 404},
		} {
			if r := e.call("DELETE", c.path, c.cred, ""); r.status != c.status {
				t.Fatalf("DELETE %s: %d %s, want %d", c.path, r.status, r.raw, c.status)
			}
		}
		if s.Agents.Set()["helper"] != nil {
			t.Fatal("a deleted agent is still in the catalog")
		}
		if r := e.call("GET", "/agents/helper", admin, ""); r.status != 404 {
			t.Fatalf("get deleted: %d", r.status)
		}
	})
	t.Run("changes are audited", func(t *testing.T) {
		page, err := s.Runtime.Audit().List(context.Background(), audit.Filter{Kind: audit.KindAdmin, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, en := range page.Entries {
			if strings.HasPrefix(en.Action, "agent.") {
				got = append(got, en.Action+" "+en.Detail+" "+en.Outcome)
			}
		}
		joined := strings.Join(got, "\n")
		if !strings.Contains(joined, "agent.put name=helper ok") || !strings.Contains(joined, "agent.delete name=helper ok") || !strings.Contains(joined, "agent.put name=bad http-422") {
			t.Fatalf("audit:\n%s", joined)
		}
	})
}
