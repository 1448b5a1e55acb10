package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/egress/egresstest"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/manifests"
)

// newRuntime starts a runtime on a temporary data dir with plugins installed.
func newRuntime(t testing.TB, plugins ...plugintest.Plugin) *host.Runtime {
	t.Helper()
	return newRuntimeWith(t, nil, plugins...)
}

// newRuntimeWith is newRuntime with edit applied to the configuration first.
func newRuntimeWith(t testing.TB, edit func(*host.Config), plugins ...plugintest.Plugin) *host.Runtime {
	t.Helper()
	cfg := host.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.PluginsDir = plugintest.Install(t, plugins...)
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.EgressDial = egresstest.LoopbackOnly(t)
	if edit != nil {
		edit(&cfg)
	}
	rt, err := host.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

func caller(scopes ...string) host.Principal {
	return host.Principal{ClientID: "agent-1", Subject: "agent-1", Scopes: scopes}
}

func TestInvokeEcho(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("echo"))
	in := `{"message":"hi"}`
	out, err := rt.Invoke(context.Background(), caller("echo:call"), "echo", "echo", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("echo returned %s, want %s", out, in)
	}
}

func TestInvokeChecks(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("echo"))
	tests := []struct {
		name           string
		p              host.Principal
		plugin, action string
		input          string
		want           error
	}{
		{"unknown plugin", caller("echo:call"), "nope", "echo", `{"message":"x"}`, host.ErrNotFound},
		{"unknown action", caller("echo:call"), "echo", "nope", `{"message":"x"}`, host.ErrNotFound},
		{"no scopes", caller(), "echo", "echo", `{"message":"x"}`, host.ErrForbidden},
		{"another plugin's scope", caller("github:call", "call"), "echo", "echo", `{"message":"x"}`, host.ErrForbidden},
		{"not JSON", caller("echo:call"), "echo", "echo", `{"message":`, host.ErrInvalidInput},
		{"two JSON values", caller("echo:call"), "echo", "echo", `{"message":"x"} {}`, host.ErrInvalidInput},
		{"missing required field", caller("echo:call"), "echo", "echo", `{}`, host.ErrInvalidInput},
		{"wrong type", caller("echo:call"), "echo", "echo", `{"message":7}`, host.ErrInvalidInput},
		{"unknown field", caller("echo:call"), "echo", "echo", `{"message":"x","extra":1}`, host.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := rt.Invoke(context.Background(), tt.p, tt.plugin, tt.action, []byte(tt.input))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if out != nil {
				t.Fatalf("output %s returned with an error", out)
			}
		})
	}
	t.Run("scope error names the missing scope", func(t *testing.T) {
		_, err := rt.Invoke(context.Background(), caller(), "echo", "echo", []byte(`{"message":"x"}`))
		var se *host.ScopeError
		if !errors.As(err, &se) || len(se.Missing) != 1 || se.Missing[0] != "echo:call" {
			t.Fatalf("err = %#v, want a ScopeError for echo:call", err)
		}
	})
}

func TestInstancesAreNeverSharedBetweenPrincipals(t *testing.T) {
	rt := newRuntime(t, plugintest.Testdata("counter"))
	next := func(client string) int {
		t.Helper()
		p := host.Principal{ClientID: client, Subject: client, Scopes: []string{"counter:count"}}
		out, err := rt.Invoke(context.Background(), p, "counter", "next", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		var c struct{ Calls int }
		if err := json.Unmarshal(out, &c); err != nil {
			t.Fatal(err)
		}
		return c.Calls
	}
	if a1, a2 := next("alice"), next("alice"); a1 != 1 || a2 != 2 {
		t.Fatalf("alice's calls counted %d, %d: her instance was not reused", a1, a2)
	}
	if b := next("bob"); b != 1 {
		t.Fatalf("bob's first call counted %d: he got guest memory another principal had used", b)
	}
	if a3 := next("alice"); a3 != 3 {
		t.Fatalf("alice's third call counted %d", a3)
	}
}

func TestConcurrentInvokes(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("echo"))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := caller("echo:call")
			p.ClientID = []string{"a", "b", "c", "d"}[i%4]
			in := `{"message":"` + strings.Repeat("x", i) + `"}`
			out, err := rt.Invoke(context.Background(), p, "echo", "echo", []byte(in))
			if err == nil && string(out) != in {
				err = errors.New("got " + string(out))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestEveryInvocationIsAudited(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("echo"))
	ctx := host.WithRunID(context.Background(), "run-1")
	rt.Invoke(ctx, caller("echo:call"), "echo", "echo", []byte(`{"message":"a"}`))
	rt.Invoke(ctx, caller(), "echo", "echo", []byte(`{"message":"b"}`))
	rt.Invoke(ctx, caller("echo:call"), "echo", "echo", []byte(`{}`))

	want := []string{audit.OutcomeOK, "insufficient-scope", "invalid-input"}
	var page audit.Page
	checkFor(t, func() error {
		var err error
		page, err = rt.Audit().List(context.Background(), audit.Filter{Client: "agent-1"})
		if err == nil && len(page.Entries) < len(want) {
			err = errors.New("entries not written yet")
		}
		return err
	})
	for i, e := range page.Entries {
		if e.Outcome != want[i] || e.Plugin != "echo" || e.RunID != "run-1" || len(e.InputSHA256) != 64 {
			t.Errorf("entry %d = %+v, want outcome %s", i, e, want[i])
		}
	}
	report, err := rt.Audit().Verify(context.Background())
	if err != nil || report.Err() != nil {
		t.Fatalf("verify: %v %v", err, report.Err())
	}
}

func TestInstallAndRemove(t *testing.T) {
	rt := newRuntime(t) // no local plugins
	dir := plugintest.Install(t, plugintest.FirstParty("echo"))
	m, err := manifests.Load(filepath.Join(dir, "echo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile(filepath.Join(dir, "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	call := func() error {
		_, err := rt.Invoke(context.Background(), caller("echo:call"), "echo", "echo", []byte(`{"message":"x"}`))
		return err
	}
	if err := call(); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("before install: %v, want ErrNotFound", err)
	}
	if err := rt.Install(context.Background(), m, append(code, 0)); !errors.Is(err, manifests.ErrSHA256Mismatch) {
		t.Fatalf("install of a tampered module: %v, want ErrSHA256Mismatch", err)
	}
	if err := rt.Install(context.Background(), m, code); err != nil {
		t.Fatal(err)
	}
	if err := call(); err != nil {
		t.Fatalf("after install: %v", err)
	}
	if !rt.Remove("echo") {
		t.Fatal("Remove reported echo inactive")
	}
	if err := call(); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("after remove: %v, want ErrNotFound", err)
	}
}
