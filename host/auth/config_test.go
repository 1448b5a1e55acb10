package auth_test

import (
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
)

func TestConfigApplyEnv(t *testing.T) {
	env := map[string]string{
		"SAA_ADDR":           "0.0.0.0:9000",
		"SAA_DATA_DIR":       "/var/lib/saa",
		"ENVIRONMENT":        "production",
		"JWT_PRIVATE_KEY":    "priv",
		"JWT_PUBLIC_KEY":     "pub",
		"SAA_ADMIN_PASSWORD": "pw",
	}
	c := auth.DefaultConfig()
	c.ApplyEnv(func(k string) string { return env[k] })
	if c.PublicURL != "http://0.0.0.0:9000" || c.DataDir != "/var/lib/saa" || c.Environment != "production" ||
		c.PrivateKeyPEM != "priv" || c.PublicKeyPEM != "pub" || c.AdminPassword != "pw" {
		t.Fatalf("config = %+v", c)
	}
	env["SAA_PUBLIC_URL"] = "https://saa.example"
	c.ApplyEnv(func(k string) string { return env[k] })
	if c.PublicURL != "https://saa.example" {
		t.Fatalf("SAA_PUBLIC_URL did not win over SAA_ADDR: %s", c.PublicURL)
	}
}

func TestConfigValidate(t *testing.T) {
	store := openDB(t).Auth()
	tests := []struct {
		name string
		set  func(c *auth.Config)
		ok   bool
	}{
		{"defaults", func(*auth.Config) {}, true},
		{"trailing slash is trimmed", func(c *auth.Config) { c.PublicURL = "https://saa.example/" }, true},
		{"no store", func(c *auth.Config) { c.Store = nil }, false},
		{"relative URL", func(c *auth.Config) { c.PublicURL = "saa.example" }, false},
		{"URL with a query", func(c *auth.Config) { c.PublicURL = "https://saa.example/?x=1" }, false},
		{"URL with a user", func(c *auth.Config) { c.PublicURL = "https://u:p@saa.example" }, false},
		{"lifetime too short", func(c *auth.Config) { c.TokenLifetime = time.Second }, false},
		{"lifetime too long", func(c *auth.Config) { c.TokenLifetime = 48 * time.Hour }, false},
		{"unknown environment", func(c *auth.Config) { c.Environment = "staging" }, false},
		{"plain HTTP in production", func(c *auth.Config) { c.Environment = auth.EnvProduction }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := auth.DefaultConfig()
			c.Store = store
			tt.set(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && c.PublicURL[len(c.PublicURL)-1] == '/' {
				t.Fatalf("PublicURL %q keeps its trailing slash", c.PublicURL)
			}
		})
	}
}
