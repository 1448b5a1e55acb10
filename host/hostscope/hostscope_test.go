package hostscope_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/hostscope"
)

func TestReservedCoversEveryHostScope(t *testing.T) {
	if !slices.IsSorted(hostscope.Reserved()) {
		t.Fatal("the list must stay sorted: IsReserved searches it")
	}
	for _, scope := range []string{hostscope.Admin, hostscope.Introspect, hostscope.PluginsPublish} {
		ns, _, _ := strings.Cut(scope, ":")
		if !hostscope.IsReserved(ns) {
			t.Errorf("namespace of host scope %q is not reserved", scope)
		}
	}
	for _, name := range []string{"echo", "github", "plugin", "runs_x", ""} {
		if hostscope.IsReserved(name) {
			t.Errorf("IsReserved(%q) = true", name)
		}
	}
}

func TestReservedReturnsACopy(t *testing.T) {
	r := hostscope.Reserved()
	r[0] = "echo"
	if hostscope.IsReserved("echo") || !hostscope.IsReserved("account") {
		t.Error("changing the returned slice changed the list")
	}
}

// TestUserGrantable: a user grants plugin scopes and the right to run one
// agent, never the host's other scopes.
func TestUserGrantable(t *testing.T) {
	for scope, want := range map[string]bool{
		"echo:call": true, "mail:send": true, "agents:triage": true,
		"agents:continuous": false, "agents:": false, "runs:approve": false, "admin": false,
		"plugins:publish": false, "introspect": false, "mcp:unattended": false, "llm:default": false,
	} {
		if got := hostscope.UserGrantable(scope); got != want {
			t.Errorf("UserGrantable(%q) = %v, want %v", scope, got, want)
		}
	}
}
