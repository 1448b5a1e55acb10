package registry_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/manifests"
)

const baseManifest = `name: demo
version: 1.0.0
publisher: acme
description: d
wasm: { path: demo.wasm, sha256: "0000000000000000000000000000000000000000000000000000000000000000" }
limits: { memory: 32MiB, timeout: 5s, max_output: 1MiB }
egress: [https://api.example.com]
secrets:
  - { name: token, hosts: [https://api.example.com], header: Authorization, format: "Bearer {{value}}" }
actions:
  - { name: read, description: r, scopes: [items.read], effect: read, input: {type: object}, output: {type: object} }
  - { name: write, description: w, scopes: [items.write, items.read], effect: write, input: {type: object}, output: {type: object} }
`

func parse(t *testing.T, edits ...string) *manifests.Manifest {
	t.Helper()
	s := baseManifest
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			t.Fatalf("no %q in the manifest", edits[i])
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	m, err := manifests.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		field func(*registry.Diff) []string
		want  []string
		more  bool
	}{
		{"identical", nil, func(d *registry.Diff) []string { return nil }, nil, false},
		{"new host", []string{"egress: [https://api.example.com]", "egress: [https://api.example.com, https://evil.example:8443]"},
			func(d *registry.Diff) []string { return d.AddedEgress }, []string{"https://evil.example:8443"}, true},
		{"host removed", []string{"egress: [https://api.example.com]", "egress: [https://api.example.com/v1]", "hosts: [https://api.example.com]", "hosts: [https://api.example.com/v1]"},
			func(d *registry.Diff) []string { return d.RemovedEgress }, []string{"https://api.example.com"}, true},
		{"secret to a new host", []string{"egress: [https://api.example.com]", "egress: [https://api.example.com, https://b.example]", "hosts: [https://api.example.com]", "hosts: [https://api.example.com, https://b.example]"},
			func(d *registry.Diff) []string { return d.AddedSecrets }, []string{"token → https://b.example as Authorization"}, true},
		{"secret in another header", []string{"header: Authorization", "header: X-Token"},
			func(d *registry.Diff) []string { return d.AddedSecrets }, []string{"token → https://api.example.com as X-Token"}, true},
		{"new scope", []string{"scopes: [items.read]", "scopes: [items.read, admin.all]"},
			func(d *registry.Diff) []string { return d.AddedScopes }, []string{"demo:admin.all"}, true},
		{"new action", []string{"actions:\n", "actions:\n  - { name: nuke, description: Nukes it., scopes: [items.write], effect: destructive, input: {type: object}, output: {type: object} }\n"},
			func(d *registry.Diff) []string { return d.AddedActions }, []string{"nuke"}, true},
		{"action removed", []string{"  - { name: read, description: r, scopes: [items.read], effect: read, input: {type: object}, output: {type: object} }\n", ""},
			func(d *registry.Diff) []string { return d.RemovedActions }, []string{"read"}, false},
		{"bigger effect", []string{"scopes: [items.read], effect: read", "scopes: [items.read], effect: destructive"},
			func(d *registry.Diff) []string { return d.ChangedActions }, []string{"read: effect read → destructive"}, true},
		{"fewer required scopes", []string{"scopes: [items.write, items.read]", "scopes: [items.read]"},
			func(d *registry.Diff) []string { return d.ChangedActions }, []string{"write: no longer requires demo:items.write"}, true},
		{"weaker limits", []string{"memory: 32MiB, timeout: 5s, max_output: 1MiB", "memory: 64MiB, timeout: 5s"},
			func(d *registry.Diff) []string { return d.WeakerLimits }, []string{"memory 32MiB → 64MiB", "max_output 1MiB → operator default"}, true},
		{"stronger limits", []string{"memory: 32MiB, timeout: 5s", "memory: 16MiB, timeout: 1s"},
			func(d *registry.Diff) []string { return d.WeakerLimits }, []string{}, false},
	}
	from := parse(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := registry.Compare(from, parse(t, tc.edits...))
			if got := tc.field(d); tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if d.AsksForMore() != tc.more {
				t.Errorf("AsksForMore = %v, want %v (diff %+v)", d.AsksForMore(), tc.more, d)
			}
			if empty := tc.edits == nil || tc.name == "stronger limits"; d.Empty() != empty {
				t.Errorf("Empty = %v, want %v", d.Empty(), empty)
			}
		})
	}
}
