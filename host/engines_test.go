package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/wasm"
)

// SAA's own kernel (wasm.EngineSAA) is held to the Extism go-sdk
// (wasm.EngineExtism): every first-party plugin, every hostile case and
// fuzzed inputs go through both, which must give the same output, or fail
// with the same kind of error and, for an error the plugin set, the same
// message.

// stricter lists the hostile cases where SAA's kernel deliberately gives
// another verdict than go-sdk, and both verdicts, which the test requires:
// an output range outside kernel memory is a crash (go-sdk silently returns
// an empty output), and a host function's refusal is a crash (go-sdk's
// result looks like an error the plugin set).
var stricter = map[string][2]error{
	"gigantic output in kernel memory":          {host.ErrPluginCrashed, host.ErrInvalidOutput},
	"gigantic output claimed by a lying length": {host.ErrPluginCrashed, host.ErrInvalidOutput},
	"extism's built-in http_request":            {host.ErrPluginCrashed, host.ErrPluginFailed},
}

// raceTheClock lists the hostile plugins that exhaust a resource: on a
// loaded machine their timeout may come first on either engine.
var raceTheClock = map[string]bool{"recurse": true, "memgrow": true}

func crashedOrTimedOut(err error) bool {
	return errors.Is(err, host.ErrPluginCrashed) || errors.Is(err, host.ErrTimeout)
}

// engineOnly lists the hostile cases whose outcome depends on the engine by
// design: bulk I/O exists only in SAA's kernel.
var engineOnly = map[string]bool{"bulkio": true}

// sameOutcome fails t unless the two engines' results agree.
func sameOutcome(t *testing.T, saaOut []byte, saaErr error, refOut []byte, refErr error) {
	t.Helper()
	if (saaErr == nil) != (refErr == nil) {
		t.Fatalf("saa: %s, %v\nextism: %s, %v", saaOut, saaErr, refOut, refErr)
	}
	if saaErr == nil {
		if string(saaOut) != string(refOut) {
			t.Fatalf("outputs differ:\nsaa:    %.300s\nextism: %.300s", saaOut, refOut)
		}
		return
	}
	kinds := []error{host.ErrTimeout, host.ErrPluginCrashed, host.ErrPluginFailed, host.ErrOutputTooLarge,
		host.ErrInvalidInput, host.ErrInvalidOutput, host.ErrNotFound, host.ErrBusy}
	for _, k := range kinds {
		if errors.Is(saaErr, k) != errors.Is(refErr, k) {
			t.Fatalf("verdicts differ:\nsaa:    %v\nextism: %v", saaErr, refErr)
		}
	}
	if errors.Is(saaErr, host.ErrPluginFailed) && saaErr.Error() != refErr.Error() {
		t.Fatalf("plugin errors differ:\nsaa:    %v\nextism: %v", saaErr, refErr)
	}
}

func TestEnginesAgreeOnHostilePlugins(t *testing.T) {
	env := newHostileEnv(t)
	ref := env.runtime(t, wasm.EngineExtism)
	for _, tc := range hostileCases(env) {
		if engineOnly[tc.plugin] {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			saaOut, saaErr := invokeHostile(env.rt, tc.plugin, tc.input)
			refOut, refErr := invokeHostile(ref, tc.plugin, tc.input)
			if raceTheClock[tc.plugin] && crashedOrTimedOut(saaErr) && crashedOrTimedOut(refErr) {
				return // exhaustion or the timeout stops it first, depending on the machine's load
			}
			if want, ok := stricter[tc.name]; ok {
				if !errors.Is(saaErr, want[0]) || !errors.Is(refErr, want[1]) {
					t.Fatalf("saa: %v (want %v)\nextism: %v (want %v)", saaErr, want[0], refErr, want[1])
				}
				return
			}
			sameOutcome(t, saaOut, saaErr, refOut, refErr)
		})
	}
}

// firstPartyCalls are calls of every first-party plugin and the counter.
var firstPartyCalls = []struct {
	plugin, action, scope, input string
}{
	{"echo", "echo", "echo:call", `{"message":"hi"}`},
	{"echo", "echo", "echo:call", `{"message":"héllo <b>&</b> ✓ \u0000"}`},
	{"echo", "echo", "echo:call", `{"message":"` + strings.Repeat("x", 1<<20) + `"}`},
	{"echo", "echo", "echo:call", `{"message":1}`},
	{"echo", "echo", "echo:call", `not json`},
	{"tickets", "analyze", "tickets:analyze", `{"tickets":[{"id":"1","title":"login broken","text":"login fails with error 500","status":"open","priority":"high","created_at":"2026-01-01T00:00:00Z"}]}`},
	{"tickets", "analyze", "tickets:analyze", `{"tickets":[]}`},
	{"http_fetch", "get", "http_fetch:fetch", `{"url":"https://example.com/"}`},
	{"http_fetch", "get", "http_fetch:fetch", `{"url":"http://127.0.0.1/"}`},
	{"github", "list_issues", "github:issues.read", `{"owner":"o","repo":"r"}`},
	{"counter", "next", "counter:count", `{}`},
	{"counter", "next", "counter:count", `{}`},
}

func enginePair(t testing.TB) (saa, ref *host.Runtime) {
	plugins := []plugintest.Plugin{plugintest.FirstParty("echo"), plugintest.FirstParty("tickets"),
		plugintest.FirstParty("http_fetch"), plugintest.FirstParty("github"), plugintest.Testdata("counter")}
	saa = newRuntimeWith(t, func(c *host.Config) { c.Resolver = mapResolver{} }, plugins...)
	ref = newRuntimeWith(t, func(c *host.Config) { c.Resolver, c.Engine = mapResolver{}, wasm.EngineExtism }, plugins...)
	return saa, ref
}

func TestEnginesAgreeOnFirstPartyPlugins(t *testing.T) {
	saa, ref := enginePair(t)
	for _, c := range firstPartyCalls {
		t.Run(c.plugin+" "+c.input[:min(len(c.input), 40)], func(t *testing.T) {
			p := caller(c.scope)
			saaOut, saaErr := saa.Invoke(context.Background(), p, c.plugin, c.action, []byte(c.input))
			refOut, refErr := ref.Invoke(context.Background(), p, c.plugin, c.action, []byte(c.input))
			sameOutcome(t, saaOut, saaErr, refOut, refErr)
		})
	}
}

func FuzzEnginesAgree(f *testing.F) {
	for _, c := range firstPartyCalls {
		if c.plugin == "echo" || c.plugin == "tickets" {
			f.Add(c.plugin == "echo", []byte(c.input))
		}
	}
	f.Add(false, []byte(`{"tickets":[{"id":"2","title":"x","text":"","status":"closed","priority":"low","created_at":"2026-01-01T00:00:00Z","resolved_at":"2026-01-02T00:00:00Z"}]}`))
	saa, ref := enginePair(f)
	f.Fuzz(func(t *testing.T, echo bool, input []byte) {
		plugin, action, scope := "tickets", "analyze", "tickets:analyze"
		if echo {
			plugin, action, scope = "echo", "echo", "echo:call"
		}
		p := caller(scope)
		saaOut, saaErr := saa.Invoke(context.Background(), p, plugin, action, input)
		refOut, refErr := ref.Invoke(context.Background(), p, plugin, action, input)
		sameOutcome(t, saaOut, saaErr, refOut, refErr)
	})
}
