package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUserCreateCommand(t *testing.T) {
	const pw = "correct horse battery staple"
	server := startAuthServer(t, pw)
	var out, errOut bytes.Buffer
	code := runUser(t.Context(), []string{"create", "--name", "uma", "--password", "end user password 1", "--server", server, "--admin-password", pw}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), `"role": "user"`) && !strings.Contains(out.String(), `"role":"user"`) {
		t.Fatalf("user create = %d: %s %s", code, out.String(), errOut.String())
	}
	for name, args := range map[string][]string{
		"duplicate":      {"create", "--name", "uma", "--password", "end user password 1", "--server", server, "--admin-password", pw},
		"unknown role":   {"create", "--name", "x", "--role", "root", "--password", "end user password 1", "--server", server, "--admin-password", pw},
		"short password": {"create", "--name", "y", "--password", "short", "--server", server, "--admin-password", pw},
	} {
		var o, e bytes.Buffer
		if code := runUser(t.Context(), args, &o, &e); code != 1 {
			t.Errorf("%s: exit %d, want 1 (%s)", name, code, e.String())
		}
	}
	var o, e bytes.Buffer
	if code := runUser(t.Context(), []string{"create", "--server", server}, &o, &e); code != 2 {
		t.Errorf("missing flags: exit %d, want 2", code)
	}
	o.Reset()
	code = runClient(t.Context(), []string{"create", "--name", "agent", "--scopes", "echo:call", "--redirect-uris", "http://127.0.0.1/cb", "--public", "--server", server, "--admin-password", pw}, &o, &e)
	if code != 0 || !strings.Contains(o.String(), `"public": true`) || strings.Contains(o.String(), "client_secret") {
		t.Fatalf("public client create = %d: %s %s", code, o.String(), e.String())
	}
}

func TestSignupSetting(t *testing.T) {
	for v, want := range map[string]bool{"": false, "off": false, "open": true} {
		got, err := loadSignup(func(string) string { return v })
		if err != nil || got != want {
			t.Errorf("SAA_SIGNUP=%q: %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := loadSignup(func(string) string { return "yes" }); err == nil {
		t.Error("SAA_SIGNUP=yes accepted")
	}
}
