package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/registry"
)

// startPublishServer serves the OAuth endpoints and the admin API with a
// registry, over a real runtime, on loopback.
func startPublishServer(t *testing.T) *adminapitest.Server {
	return adminapitest.Start(t, adminapitest.Options{AdminPassword: "correct horse battery staple"})
}

// cli runs one saa command and returns its exit code and outputs.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestPublishWorkflow is a publisher's whole path: pack, keygen, sign,
// publish to a server whose admin requires the publisher's signature.
func TestPublishWorkflow(t *testing.T) {
	srv := startPublishServer(t)
	plugin := plugintest.Install(t, plugintest.FirstParty("echo"))
	work := t.TempDir()
	bundleFile, keyFile := filepath.Join(work, "echo.tar.gz"), filepath.Join(work, "publisher.key")
	client, secret, err := srv.Auth.Clients().Create(t.Context(), "publisher", []string{adminapi.ScopePublish})
	if err != nil {
		t.Fatal(err)
	}
	publish := []string{"plugin", "publish", bundleFile, "--server", srv.URL, "--client-id", client.ID, "--client-secret", secret}

	if code, out, errOut := cli(t, "plugin", "pack", plugin, "--out", bundleFile); code != 0 || !strings.Contains(out, "echo 1.0.0") {
		t.Fatalf("pack = %d %q %q", code, out, errOut)
	}
	code, out, errOut := cli(t, "plugin", "keygen", "--out", keyFile)
	if code != 0 {
		t.Fatalf("keygen = %d %q", code, errOut)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	pubText, err := os.ReadFile(keyFile + ".pub")
	if err != nil || !strings.Contains(out, strings.TrimSpace(string(pubText))) {
		t.Fatalf("keygen printed %q; .pub holds %q (%v)", out, pubText, err)
	}
	pub, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(pubText)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Registry.RequireSignature(t.Context(), "saa", true, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Registry.TrustKey(t.Context(), "saa", ed25519.PublicKey(pub), "admin"); err != nil {
		t.Fatal(err)
	}

	t.Run("unsigned refused", func(t *testing.T) {
		if code, _, errOut := cli(t, publish...); code != 1 || !strings.Contains(errOut, "signature") {
			t.Fatalf("publish unsigned = %d %q", code, errOut)
		}
	})
	if code, out, errOut := cli(t, "plugin", "sign", bundleFile, "--key", keyFile); code != 0 || !strings.Contains(out, "signed by key") {
		t.Fatalf("sign = %d %q %q", code, out, errOut)
	}
	code, out, errOut = cli(t, publish...)
	if code != 0 {
		t.Fatalf("publish = %d %q", code, errOut)
	}
	var v registry.Version
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("publish printed %q: %v", out, err)
	}
	if v.Plugin != "echo" || v.Status != registry.StatusPending || !v.Signature.Trusted || v.SubmittedBy != "client:"+client.ID {
		t.Errorf("published %+v", v)
	}
	t.Run("same version again", func(t *testing.T) {
		if code, _, errOut := cli(t, publish...); code != 1 || !strings.Contains(errOut, "409") {
			t.Fatalf("publish again = %d %q", code, errOut)
		}
	})
}

// TestPublishToolRefusals checks the tools' errors.
func TestPublishToolRefusals(t *testing.T) {
	plugin := plugintest.Install(t, plugintest.FirstParty("echo"))
	work := t.TempDir()
	key := filepath.Join(work, "k")
	if code, _, errOut := cli(t, "plugin", "keygen", "--out", key); code != 0 {
		t.Fatal(errOut)
	}
	tampered := filepath.Join(work, "tampered")
	if err := os.MkdirAll(tampered, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"echo.yaml", "echo.wasm"} {
		data, err := os.ReadFile(filepath.Join(plugin, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "echo.wasm" {
			data = append(data, 0)
		}
		if err := os.WriteFile(filepath.Join(tampered, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	notBundle := filepath.Join(work, "not.tar.gz")
	if err := os.WriteFile(notBundle, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"pack without a path", []string{"plugin", "pack"}, 2, "usage"},
		{"pack an empty folder", []string{"plugin", "pack", t.TempDir()}, 1, "no manifest"},
		{"pack a stale module", []string{"plugin", "pack", tampered, "--out", filepath.Join(work, "x")}, 1, "sha256 mismatch"},
		{"keygen over a key", []string{"plugin", "keygen", "--out", key}, 1, "exists"},
		{"sign without a key", []string{"plugin", "sign", notBundle}, 2, "--key"},
		{"sign with a public key", []string{"plugin", "sign", notBundle, "--key", key + ".pub"}, 1, "not a PEM private key"},
		{"sign not a bundle", []string{"plugin", "sign", notBundle, "--key", key}, 1, "not a gzip"},
		{"publish without credentials", []string{"plugin", "publish", notBundle, "--server", "http://127.0.0.1:1"}, 2, "--token"},
		{"publish to no server", []string{"plugin", "publish", notBundle, "--server", "http://127.0.0.1:1", "--token", "t"}, 1, "call"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SAA_TOKEN", "")
			t.Setenv("SAA_CLIENT_ID", "")
			t.Setenv("SAA_CLIENT_SECRET", "")
			code, _, errOut := cli(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("= %d %q, want %d with %q", code, errOut, tc.code, tc.msg)
			}
		})
	}
}
