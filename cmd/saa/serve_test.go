package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/secure-agent/saa/host/quota"
)

func TestLoadServeConfig(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		args          []string
		addr, public  string
		data, plugins string
		production    bool
	}{
		{"defaults", nil, nil, "127.0.0.1:8080", "http://127.0.0.1:8080", "data", "manifests", false},
		{"environment", map[string]string{"SAA_ADDR": "0.0.0.0:9000", "SAA_DATA_DIR": "/d", "SAA_PLUGINS_DIR": "/m"}, nil,
			"0.0.0.0:9000", "http://0.0.0.0:9000", "/d", "/m", false},
		{"public URL", map[string]string{"SAA_PUBLIC_URL": "https://saa.example.com", "ENVIRONMENT": "production"}, nil,
			"127.0.0.1:8080", "https://saa.example.com", "data", "manifests", true},
		{"flags win", map[string]string{"SAA_ADDR": "0.0.0.0:9000", "SAA_DATA_DIR": "/d"},
			[]string{"-addr", "127.0.0.1:7000", "-data-dir", "/f", "-plugins-dir", "/p"},
			"127.0.0.1:7000", "http://127.0.0.1:7000", "/f", "/p", false},
		{"public URL flag", nil, []string{"-public-url", "https://x.example"}, "127.0.0.1:8080", "https://x.example", "data", "manifests", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadServeConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{c.addr, c.auth.PublicURL, c.host.DataDir, c.host.PluginsDir, c.auth.DataDir, c.host.Production}
			want := []any{tt.addr, tt.public, tt.data, tt.plugins, tt.data, tt.production}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("got %v, want %v", got, want)
					break
				}
			}
		})
	}
	t.Run("quotas", func(t *testing.T) {
		env := map[string]string{"SAA_QUOTA_RUNS": "50/1MiB", "SAA_QUOTA_BUNDLES": "0/0"}
		c, err := loadServeConfig(nil, func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.quotas.runs != (quota.Limit{Count: 50, Bytes: 1 << 20}) || c.quotas.bundles != (quota.Limit{Count: -1, Bytes: -1}) || c.quotas.idempotency != (quota.Limit{}) {
			t.Errorf("quotas = %+v", c.quotas)
		}
		env = map[string]string{"SAA_QUOTA_IDEMPOTENCY": "lots"}
		if _, err := loadServeConfig(nil, func(k string) string { return env[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), "SAA_QUOTA_IDEMPOTENCY") {
			t.Errorf("a bad quota: %v", err)
		}
	})
	t.Run("bad environment", func(t *testing.T) {
		if _, err := loadServeConfig(nil, func(k string) string { return map[string]string{"ENVIRONMENT": "prod"}[k] }, io.Discard); err == nil {
			t.Fatal("ENVIRONMENT=prod accepted")
		}
	})
}

// TestE2EProductionRefusesGenerated starts `saa serve` in production with
// one required setting missing each time: it must refuse to start and say
// which.
func TestE2EProductionRefusesGenerated(t *testing.T) {
	bin, err := e2eBinary()
	if err != nil {
		t.Fatal(err)
	}
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes, base64
	full := map[string]string{
		"ENVIRONMENT":        "production",
		"SAA_PUBLIC_URL":     "https://saa.example.com",
		"SAA_MASTER_KEY":     key,
		"SAA_WEBHOOK_KEY":    key,
		"SAA_ADMIN_PASSWORD": "a long enough production password",
		"JWT_PRIVATE_KEY":    testSigningKey(t),
	}
	tests := []struct {
		name, unset, set, says string
	}{
		{"generated master key", "SAA_MASTER_KEY", "", "SAA_MASTER_KEY"},
		{"generated signing key", "JWT_PRIVATE_KEY", "", "JWT_PRIVATE_KEY"},
		{"generated admin password", "SAA_ADMIN_PASSWORD", "", "SAA_ADMIN_PASSWORD"},
		{"generated webhook key", "SAA_WEBHOOK_KEY", "", "SAA_WEBHOOK_KEY"},
		{"plain-http public URL", "", "SAA_PUBLIC_URL=http://saa.example.com", "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "-addr", freePort(t))
			cmd.Env = []string{"PATH=/usr/bin:/bin", "SAA_DATA_DIR=" + t.TempDir(), "SAA_PLUGINS_DIR=" + t.TempDir()}
			for k, v := range full {
				if k != tt.unset {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			if tt.set != "" {
				cmd.Env = append(cmd.Env, tt.set)
			}
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tt.says) {
				t.Fatalf("exit %v, output:\n%s\nwant a refusal naming %s", err, out, tt.says)
			}
		})
	}
}

// testSigningKey returns a new ES256 private key in PEM.
func testSigningKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// TestE2EProductionStartsWithEverythingGiven starts `saa serve` in
// production with every key and password passed in, as the README's
// container instructions do.
func TestE2EProductionStartsWithEverythingGiven(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	srv := startServe(t, freePort(t), t.TempDir(),
		"ENVIRONMENT=production", "SAA_PUBLIC_URL=https://saa.example.com",
		"SAA_MASTER_KEY="+key, "SAA_WEBHOOK_KEY="+key, "JWT_PRIVATE_KEY="+testSigningKey(t),
		"SAA_ADMIN_PASSWORD=a long enough production password")
	if strings.Contains(srv.stdout.String(), "Admin password:") {
		t.Error("a password was generated in production")
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

func TestHealthcheck(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   int
	}{
		{"ready", http.StatusOK, 0},
		{"draining", http.StatusServiceUnavailable, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/readyz" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			t.Setenv("SAA_ADDR", "0.0.0.0:"+port) // an unspecified host means loopback
			if got := runHealthcheck(context.Background(), nil, io.Discard, io.Discard); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
		})
	}
}
