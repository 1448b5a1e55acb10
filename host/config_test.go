package host_test

import (
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
)

func TestFromEnvPluginConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SAA_PLUGIN_CONFIG" {
				return v
			}
			return ""
		}
	}
	c, err := host.DefaultConfig().FromEnv(env(`{"github":{"base_url":"https://ghe.example/api/v3"}}`))
	if err != nil || c.PluginConfig["github"]["base_url"] != "https://ghe.example/api/v3" {
		t.Fatalf("= %v, %v", c.PluginConfig, err)
	}
	for _, bad := range []string{`{"github":"x"}`, `not json`, `[1]`} {
		if _, err := host.DefaultConfig().FromEnv(env(bad)); err == nil || !strings.Contains(err.Error(), "SAA_PLUGIN_CONFIG") {
			t.Errorf("FromEnv(%q) = %v, want an error naming the variable", bad, err)
		}
	}
}

// SAA_DATABASE_URL must be a PostgreSQL URL, and the error never echoes
// it (it may hold a password).
func TestDatabaseURL(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"postgres://saa:pw@db.internal:5432/saa?sslmode=require", true},
		{"postgresql://db/saa", true},
		{"", true},
		{"mysql://saa:hunter2@db/saa", false},
		{"postgres:///saa?host=/run/postgresql", true},
		{"host=db password=hunter2", false},
		{"postgres://saa:hunter2@db/%zz", false},
	}
	for _, c := range cases {
		cfg, err := host.DefaultConfig().FromEnv(func(k string) string {
			if k == "SAA_DATABASE_URL" {
				return c.url
			}
			return ""
		})
		if err != nil || cfg.DatabaseURL != c.url {
			t.Fatalf("FromEnv(%q) = %q, %v", c.url, cfg.DatabaseURL, err)
		}
		err = cfg.Validate()
		if (err == nil) != c.ok {
			t.Errorf("Validate(%q) = %v, want ok %v", c.url, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Validate(%q) echoes the password: %v", c.url, err)
		}
	}
}
