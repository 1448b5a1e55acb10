package manifests

import (
	"net/url"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/valid.yaml", "testdata/valid.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(mustJSON(f, validDoc()))
	f.Add([]byte(manifestYAML("alpha", "../a.wasm", sha256Hex(nil))))
	f.Add([]byte("name: [\n"))
	f.Add([]byte(`{"name": "a", "name": "b"}`))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte(aliasBomb()))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte(`{"actions": [{"input": {"$ref": "http://127.0.0.1:1/x"}}]}`))
	f.Add([]byte("limits: {memory: 99999999999999999999GiB}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		if len(m.Actions) == 0 || len(m.EgressRules()) != len(m.Egress) {
			t.Fatalf("accepted an inconsistent manifest: %+v", m)
		}
		for _, a := range m.Actions {
			if m.InputSchema(a.Name) == nil || m.OutputSchema(a.Name) == nil {
				t.Fatalf("action %q has no compiled schema", a.Name)
			}
		}
		for _, s := range m.Secrets {
			if len(m.SecretRules(s.Name)) != len(s.Hosts) {
				t.Fatalf("secret %q lost hosts", s.Name)
			}
		}
	})
}

func FuzzParseEgressRule(f *testing.F) {
	for _, s := range []string{
		"https://api.example.com", "http://example.com:8080/api/v1/", "https://*.example.com",
		"https://[2001:db8::1]:8443/x", "http://203.0.113.7", "https://example.com@evil.com",
		"https://evil.com#@example.com", "https://example.com./", "https://example.com/a/../b",
		"https://[::ffff:1.2.3.4]", "https://%65xample.com", "https://example.com:0443",
	} {
		f.Add(s, "https://a.example.com/api/x")
	}
	f.Fuzz(func(t *testing.T, rule, target string) {
		r, err := ParseEgressRule(rule)
		if err != nil {
			return
		}
		again, err := ParseEgressRule(r.String())
		if err != nil || again != r {
			t.Fatalf("%q -> %q -> %+v, %v; want %+v", rule, r.String(), again, err, r)
		}
		u, err := url.Parse(target)
		if err != nil || !r.Allows(u) {
			return
		}
		if u.User != nil || u.Hostname() == "" {
			t.Fatalf("%s allowed %q", r, target)
		}
	})
}
