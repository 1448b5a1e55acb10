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
