package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/registry"
)

func TestSecrets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A pending version declaring a secret: the admin may set it before approving.
	e.submit(e.variant("1.0.0", "actions:", "egress: [https://api.example.com]\n"+
		"secrets:\n  - { name: token, hosts: [https://api.example.com], header: Authorization, format: \"Bearer {{value}}\" }\nactions:"))
	s, err := registry.NewSecrets(registry.SecretsConfig{Store: e.rt.Secrets(), Plugins: e.rt.Plugins, Registry: e.reg, Audit: e.rt.Audit(), Logger: quiet})
	must(t, err)

	cases := []struct {
		name string
		do   func() error
		want error
	}{
		{"put declared", func() error { return s.Put(ctx, "echo", "token", "s3cr3t-value", admin) }, nil},
		{"put undeclared", func() error { return s.Put(ctx, "echo", "other", "x", admin) }, registry.ErrNotFound},
		{"put unknown plugin", func() error { return s.Put(ctx, "nope", "token", "x", admin) }, registry.ErrNotFound},
		{"put empty", func() error { return s.Put(ctx, "echo", "token", "", admin) }, registry.ErrInvalidInput},
		{"put huge", func() error { return s.Put(ctx, "echo", "token", strings.Repeat("x", 9000), admin) }, registry.ErrInvalidInput},
		{"delete missing", func() error { return s.Delete(ctx, "echo", "other", admin) }, registry.ErrNotFound},
		{"delete bad name", func() error { return s.Delete(ctx, "../x", "token", admin) }, registry.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	list, err := s.List(ctx)
	must(t, err)
	if len(list) != 1 || list[0].Plugin != "echo" || list[0].Name != "token" || !list[0].Set || !list[0].Declared ||
		list[0].Header != "Authorization" || len(list[0].Hosts) != 1 {
		t.Fatalf("list = %+v", list)
	}
	if got, _ := e.rt.Secrets().Get(ctx, "echo", "token"); got != "s3cr3t-value" {
		t.Errorf("stored value = %q", got)
	}
	must(t, s.Delete(ctx, "echo", "token", admin))
	if list, _ = s.List(ctx); len(list) != 1 || list[0].Set {
		t.Errorf("after delete: %+v", list)
	}
	for _, en := range e.adminEntries() {
		if strings.Contains(en.Detail, "s3cr3t") {
			t.Errorf("audit entry holds the value: %+v", en)
		}
	}
	if n := len(e.adminEntries()); n != 3 { // submit, put, delete
		t.Errorf("%d admin entries, want 3", n)
	}
}

// TestPerUserSecretsAreNotTheAdmins: a per-user secret is each user's
// connected account; the admin can neither see it as settable nor set it.
func TestPerUserSecretsAreNotTheAdmins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit(e.variant("1.0.0", "actions:", "egress: [https://api.example.com]\n"+
		"secrets:\n  - { name: mail, hosts: [https://api.example.com], header: Authorization, format: \"Bearer {{value}}\", per_user: true, oauth: { provider: google } }\nactions:"))
	s, err := registry.NewSecrets(registry.SecretsConfig{Store: e.rt.Secrets(), Plugins: e.rt.Plugins, Registry: e.reg, Audit: e.rt.Audit(), Logger: quiet})
	must(t, err)
	if err := s.Put(ctx, "echo", "mail", "admin-value", admin); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("put per-user = %v, want ErrNotFound", err)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Fatalf("list = %+v", list)
	}
}
