package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
)

func fileConfig(t *testing.T, dir string) auth.Config {
	cfg := auth.DefaultConfig()
	cfg.DataDir = dir
	cfg.Store = openDB(t).Auth()
	return cfg
}

func TestGeneratedKeyFile(t *testing.T) {
	dir := t.TempDir()
	srv, err := auth.New(fileConfig(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, auth.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o, want 600", info.Mode().Perm())
	}
	if srv.Keys().Algorithm() != "ES256" {
		t.Fatalf("generated algorithm %s", srv.Keys().Algorithm())
	}
	again, err := auth.New(fileConfig(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if again.Keys().KeyID() != srv.Keys().KeyID() {
		t.Fatal("restart generated a new key instead of reusing the file")
	}
}

func TestKeyConfiguration(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name    string
		set     func(c *auth.Config)
		wantErr error
		wantAny bool
	}{
		{"production refuses a generated key", func(c *auth.Config) {
			c.Environment, c.PublicURL = auth.EnvProduction, "https://saa.example"
		}, auth.ErrGeneratedKeyInProduction, false},
		{"production accepts a configured key", func(c *auth.Config) {
			c.Environment, c.PublicURL, c.PrivateKeyPEM = auth.EnvProduction, "https://saa.example", pemPrivate(t, ec)
		}, nil, false},
		{"production refuses plain HTTP", func(c *auth.Config) {
			c.Environment, c.PrivateKeyPEM = auth.EnvProduction, pemPrivate(t, ec)
		}, nil, true},
		{"escaped newlines as env files write them", func(c *auth.Config) {
			c.PrivateKeyPEM = strings.ReplaceAll(pemPrivate(t, ec), "\n", `\n`)
		}, nil, false},
		{"public key of another pair", func(c *auth.Config) {
			c.PrivateKeyPEM, c.PublicKeyPEM = pemPrivate(t, ec), pemPublic(t, &other.PublicKey)
		}, nil, true},
		{"public key alone", func(c *auth.Config) { c.PublicKeyPEM = pemPublic(t, &ec.PublicKey) }, nil, true},
		{"P-384 key", func(c *auth.Config) { c.PrivateKeyPEM = pemPrivate(t, p384) }, auth.ErrUnsupportedKey, false},
		{"1024-bit RSA key", func(c *auth.Config) { c.PrivateKeyPEM = pemPrivate(t, small) }, auth.ErrUnsupportedKey, false},
		{"not PEM", func(c *auth.Config) { c.PrivateKeyPEM = "hello" }, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fileConfig(t, t.TempDir())
			tt.set(&cfg)
			_, err := auth.New(cfg)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("New = %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && tt.wantAny && err == nil:
				t.Fatal("New accepted the configuration")
			case tt.wantErr == nil && !tt.wantAny && err != nil:
				t.Fatalf("New = %v", err)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	e := newTestEnvClock(t, clk.now, func(c *auth.Config) { c.PrivateKeyPEM, c.DataDir = "", dir })
	c := e.newClient("echo:call")
	old := e.token(c, "echo:call")
	oldKid := e.srv.Keys().KeyID()
	if err := e.srv.Keys().Rotate(nil); err != nil {
		t.Fatal(err)
	}
	newKid := e.srv.Keys().KeyID()
	if newKid == oldKid {
		t.Fatal("rotation kept the kid")
	}
	kids := func() []string {
		var out []string
		for _, k := range e.get(auth.JWKSPath).json(t)["keys"].([]any) {
			out = append(out, k.(map[string]any)["kid"].(string))
		}
		return out
	}
	t.Run("old tokens verify and both keys are published", func(t *testing.T) {
		if r := e.callEcho(old); r.status != 200 {
			t.Fatalf("old token refused: %d", r.status)
		}
		if got := kids(); !slices.Contains(got, oldKid) || !slices.Contains(got, newKid) {
			t.Fatalf("JWKS kids %v", got)
		}
		if h, _ := decodeJWT(t, e.token(c, "echo:call")); h["kid"] != newKid {
			t.Fatalf("new token signed with %v", h["kid"])
		}
	})
	t.Run("a restart keeps the previous key", func(t *testing.T) {
		cfg := fileConfig(t, dir)
		cfg.PublicURL, cfg.Store = e.url, e.db.Auth()
		again, err := auth.NewServerWithClock(cfg, clk.now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := again.Verifier().Verify(t.Context(), old); err != nil {
			t.Fatalf("old token after restart: %v", err)
		}
	})
	t.Run("the previous key retires once its tokens expired", func(t *testing.T) {
		clk.advance(auth.DefaultTokenLifetime + time.Minute)
		if got := kids(); slices.Contains(got, oldKid) || len(got) != 1 {
			t.Fatalf("JWKS kids after retirement %v", got)
		}
		if _, err := e.srv.NewVerifier().Verify(t.Context(), old); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("old token after retirement: %v", err)
		}
	})
	t.Run("keys from the environment are not rotated here", func(t *testing.T) {
		env := newTestEnv(t)
		if err := env.srv.Keys().Rotate(nil); !errors.Is(err, auth.ErrKeysFromEnvironment) {
			t.Fatalf("Rotate = %v", err)
		}
	})
}

// TestKeyRotationNowWithdrawsTheOldKey: after a leak, RotateNow stops every
// token the old key signed at once, even one a verifier had cached, and the
// JWKS and a restart no longer know the old key.
func TestKeyRotationNowWithdrawsTheOldKey(t *testing.T) {
	dir := t.TempDir()
	e := newTestEnv(t, func(c *auth.Config) { c.PrivateKeyPEM, c.DataDir = "", dir })
	c := e.newClient("echo:call")
	old := e.token(c, "echo:call")
	if _, err := e.srv.Verifier().Verify(t.Context(), old); err != nil { // now cached
		t.Fatal(err)
	}
	if err := e.srv.Keys().RotateNow(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Verifier().Verify(t.Context(), old); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("old token after RotateNow, cached verifier: %v", err)
	}
	if r := e.callEcho(old); r.status != 401 {
		t.Fatalf("old token over HTTP: %d", r.status)
	}
	if keys := e.get(auth.JWKSPath).json(t)["keys"].([]any); len(keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(keys))
	}
	if r := e.callEcho(e.token(c, "echo:call")); r.status != 200 {
		t.Fatalf("new token: %d %s", r.status, r.body)
	}
	cfg := fileConfig(t, dir)
	cfg.PublicURL, cfg.Store = e.url, e.db.Auth()
	again, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Verifier().Verify(t.Context(), old); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("old token after a restart: %v", err)
	}
}
