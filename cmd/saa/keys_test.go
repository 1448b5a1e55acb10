package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
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
	t.Run("--withdraw-previous drops the previous keys", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := runKeys(t.Context(), []string{"rotate", "--withdraw-previous", "--server", s.URL, "--admin-password", pw}, &out, &errOut); code != 0 {
			t.Fatalf("keys rotate = %d: %s", code, errOut.String())
		}
		var info auth.KeySetInfo
		if err := json.Unmarshal(out.Bytes(), &info); err != nil || len(info.Previous) != 0 || info.Current.KeyID != s.Auth.Keys().KeyID() {
			t.Fatalf("printed %q (%v)", out.String(), err)
		}
	})
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

// e2eKeyRotation runs `saa keys rotate` against the running server: the
// token taken before keeps working, a new one carries the new kid, and the
// JWKS publishes both keys.
func e2eKeyRotation(t *testing.T, srv *e2eServer, clientID, secret, old string) {
	bin, err := e2eBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "keys", "rotate", "--server", srv.base)
	cmd.Env = append(os.Environ(), "SAA_ADMIN_PASSWORD="+srv.adminPassword())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("saa keys rotate: %v %s", err, out)
	}
	var info auth.KeySetInfo
	if err := json.Unmarshal(out, &info); err != nil || len(info.Previous) != 1 {
		t.Fatalf("saa keys rotate printed %s (%v)", out, err)
	}
	if r := srv.postJSON("/v1/actions/echo/echo", old, `{"message":"old key"}`); r.status != 200 {
		t.Fatalf("token signed before the rotation: %d %s", r.status, r.body)
	}
	fresh := srv.token(clientID, secret, "echo:call")
	header, err := base64.RawURLEncoding.DecodeString(strings.Split(strings.TrimPrefix(fresh, "Bearer "), ".")[0])
	if err != nil || !strings.Contains(string(header), info.Current.KeyID) {
		t.Fatalf("new token header %s, want kid %s", header, info.Current.KeyID)
	}
	if r := srv.postJSON("/v1/actions/echo/echo", fresh, `{"message":"new key"}`); r.status != 200 {
		t.Fatalf("token signed after the rotation: %d %s", r.status, r.body)
	}
	jwks := string(srv.request(http.MethodGet, auth.JWKSPath, "", nil).body)
	if !strings.Contains(jwks, info.Current.KeyID) || !strings.Contains(jwks, info.Previous[0].KeyID) {
		t.Fatalf("JWKS %s lacks a key", jwks)
	}
}
