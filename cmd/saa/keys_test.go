package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/auth"
)

// TestKeysRotateCommand: `saa keys rotate` rotates the running server's
// signing key through its admin API and prints the new and previous kids.
func TestKeysRotateCommand(t *testing.T) {
	const pw = "correct horse battery staple"
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: pw})
	before := s.Auth.Keys().KeyID()
	var out, errOut bytes.Buffer
	if code := runKeys(t.Context(), []string{"rotate", "--server", s.URL, "--admin-password", pw}, &out, &errOut); code != 0 {
		t.Fatalf("keys rotate = %d: %s", code, errOut.String())
	}
	var info auth.KeySetInfo
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("printed %q: %v", out.String(), err)
	}
	if after := s.Auth.Keys().KeyID(); after == before || info.Current.KeyID != after ||
		len(info.Previous) != 1 || info.Previous[0].KeyID != before {
		t.Fatalf("printed %+v; server kid %s -> %s", info, before, after)
	}
	failures := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"wrong password", []string{"rotate", "--server", s.URL, "--admin-password", "wrong"}, 1, "bad user name or password"},
		{"no password", []string{"rotate", "--server", s.URL, "--admin-password", ""}, 2, "admin password is required"},
		{"no sub-command", nil, 2, "usage"},
		{"unknown sub-command", []string{"list"}, 2, "usage"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := runKeys(t.Context(), tt.args, &out, &errOut); code != tt.wantCode || !strings.Contains(errOut.String(), tt.wantErr) || out.Len() != 0 {
				t.Fatalf("code %d, stdout %q, stderr %q; want %d and %q", code, out.String(), errOut.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}
