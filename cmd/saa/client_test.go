package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi/adminapitest"
)

// startAuthServer serves the OAuth endpoints and the admin API on loopback
// with admin password pw, and returns the base URL.
func startAuthServer(t *testing.T, pw string) string {
	return adminapitest.Start(t, adminapitest.Options{AdminPassword: pw}).URL
}

func TestClientAndTokenCommands(t *testing.T) {
	const pw = "correct horse battery staple"
	server := startAuthServer(t, pw)
	var out, errOut bytes.Buffer
	code := runClient(t.Context(), []string{"create", "--name", "cli", "--scopes", "echo:call, introspect", "--server", server, "--admin-password", pw}, &out, &errOut)
	if code != 0 {
		t.Fatalf("client create = %d: %s", code, errOut.String())
	}
	var created struct {
		ID     string   `json:"client_id"`
		Secret string   `json:"client_secret"`
		Scopes []string `json:"scopes"`
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil || created.ID == "" || created.Secret == "" || len(created.Scopes) != 2 {
		t.Fatalf("client create printed %q (%v)", out.String(), err)
	}

	t.Run("token", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := runToken(t.Context(), []string{"--client-id", created.ID, "--client-secret", created.Secret, "--scopes", "echo:call", "--server", server}, &out, &errOut)
		if code != 0 || !strings.Contains(out.String(), `"access_token"`) {
			t.Fatalf("token = %d: %s %s", code, out.String(), errOut.String())
		}
	})
	failures := []struct {
		name     string
		run      func(stdout, stderr *bytes.Buffer) int
		wantCode int
		wantErr  string
	}{
		{"token with a scope not granted", func(o, e *bytes.Buffer) int {
			return runToken(t.Context(), []string{"--client-id", created.ID, "--client-secret", created.Secret, "--scopes", "admin", "--server", server}, o, e)
		}, 1, "invalid_scope"},
		{"client create with a wrong password", func(o, e *bytes.Buffer) int {
			return runClient(t.Context(), []string{"create", "--name", "x", "--scopes", "a", "--server", server, "--admin-password", "wrong"}, o, e)
		}, 1, "bad user name or password"},
		{"client create without a name", func(o, e *bytes.Buffer) int {
			return runClient(t.Context(), []string{"create", "--scopes", "a", "--server", server, "--admin-password", pw}, o, e)
		}, 2, "required"},
		{"client without a sub-command", func(o, e *bytes.Buffer) int { return runClient(t.Context(), nil, o, e) }, 2, "usage"},
		{"token against a non-HTTP server", func(o, e *bytes.Buffer) int {
			return runToken(t.Context(), []string{"--client-id", "a", "--client-secret", "b", "--scopes", "c", "--server", "ftp://x"}, o, e)
		}, 1, "not an http(s) URL"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := tt.run(&out, &errOut); code != tt.wantCode || !strings.Contains(errOut.String(), tt.wantErr) || out.Len() != 0 {
				t.Fatalf("code %d, stdout %q, stderr %q; want %d and %q", code, out.String(), errOut.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}
