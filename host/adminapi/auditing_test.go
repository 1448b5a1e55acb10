package adminapi_test

import (
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

// TestChangesAreAudited checks that the client and secret endpoints record
// each change once, with the admin's name, and never a secret.
func TestChangesAreAudited(t *testing.T) {
	e := newPluginEnv(t)
	declaring := e.bundle("1.0.0", "actions:", "egress: [https://api.example.com]\n"+
		"secrets:\n  - { name: token, hosts: [https://api.example.com], header: Authorization, format: \"Bearer {{value}}\" }\nactions:")
	if r := e.upload(admin, declaring, octets); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	created := e.call("POST", "/clients", admin, `{"name":"agent","scopes":["echo:call"]}`)
	id, _ := created.body["client_id"].(string)
	steps := []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/clients", "", 200},
		{"PATCH", "/clients/" + id, `{"scopes":["echo:call","admin"]}`, 200},
		{"PATCH", "/clients/" + id, `{}`, 400},
		{"POST", "/clients/" + id + "/rotate-secret", "", 200},
		{"DELETE", "/clients/" + id, "", 204},
		{"PUT", "/secrets/echo/token", `{"value":"s3cr3t-value"}`, 204},
		{"GET", "/secrets", "", 200},
		{"DELETE", "/secrets/echo/token", "", 204},
		{"DELETE", "/secrets/echo/token", "", 404},
	}
	for _, s := range steps {
		if r := e.call(s.method, s.path, admin, s.body); r.status != s.want {
			t.Fatalf("%s %s: %d %s, want %d", s.method, s.path, r.status, r.raw, s.want)
		}
	}
	var got []string
	for _, en := range e.adminEntries() {
		if strings.Contains(en.Detail+en.Error, "s3cr3t") || strings.Contains(en.Detail, "saa_cs_") {
			t.Errorf("entry holds a secret: %+v", en)
		}
		got = append(got, strings.Join(strings.Fields(en.Subject+" "+en.Action+" "+en.Plugin+" "+en.Detail+" "+en.Outcome), " "))
	}
	u := auth.AdminUser
	want := []string{
		u + " plugin.submit echo version 1.0.0 sha256 " + sha(e.wasm) + " unsigned ok",
		u + " client.create ok",
		u + " client.update id=" + id + " ok",
		u + " client.update id=" + id + " http-400",
		u + " client.rotate_secret id=" + id + " ok",
		u + " client.delete id=" + id + " ok",
		u + " secret.put echo secret token ok",
		u + " secret.delete echo secret token ok",
		u + " secret.delete echo name=token http-404",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("admin entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
