package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/egress/egresstest"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/wasm"
	"github.com/secure-agent/saa/manifests"
)

// The hostile suite: plugins that exist only under host/wasm/testdata/hostile
// attack the sandbox, and each test shows the attack contained and the
// runtime still serving the next call.

const secretValue = "s3cr3t-token-value-do-not-leak"

// mapResolver resolves test host names without DNS.
type mapResolver map[string]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// server is a local stand-in for a remote API that counts what reaches it.
type server struct {
	*httptest.Server
	hits      atomic.Int64
	authSeen  atomic.Value // last Authorization header received
	port      string
	redirects string // where /redirect sends callers
}

func newServer(t *testing.T) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.authSeen.Store(r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		case "/echo-auth":
			json.NewEncoder(w).Encode(map[string]string{"you_sent": r.Header.Get("Authorization")})
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	t.Cleanup(s.Close)
	u, _ := url.Parse(s.URL)
	s.port = u.Port()
	return s
}

type hostileEnv struct {
	rt             *host.Runtime
	allowed, other *server
}

// hostileNames are the plugins under host/wasm/testdata/hostile.
var hostileNames = []string{"spin", "memgrow", "recurse", "bigoutput", "readfile", "env", "extism_http",
	"egress", "secret_undeclared", "secret_elsewhere", "secret_echo", "panic", "trap", "deadlock", "bulkio"}

// newHostileEnv starts a runtime with every hostile plugin and echo, where
// allowed.test and other.test are local servers, private.test resolves to a
// private address, and only 127.0.0.1 is opened by the operator.
func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	env := &hostileEnv{allowed: newServer(t), other: newServer(t)}
	env.rt = env.runtime(t, "")
	return env
}

// runtime starts another runtime on engine against the same servers.
func (e *hostileEnv) runtime(t *testing.T, engine wasm.Engine) *host.Runtime {
	t.Helper()
	replace := map[string]string{
		"http://allowed.test": "http://allowed.test:" + e.allowed.port,
		"http://other.test":   "http://other.test:" + e.other.port,
	}
	plugins := []plugintest.Plugin{plugintest.FirstParty("echo")}
	for _, n := range hostileNames {
		p := plugintest.Hostile(n)
		p.Replace = replace
		plugins = append(plugins, p)
	}
	rt := newRuntimeWith(t, func(c *host.Config) {
		c.Engine = engine
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Resolver = mapResolver{
			"allowed.test": netip.MustParseAddr("127.0.0.1"),
			"other.test":   netip.MustParseAddr("127.0.0.1"),
			"private.test": netip.MustParseAddr("10.0.0.1"),
		}
	}, plugins...)
	for _, n := range hostileNames {
		if err := rt.Secrets().Put(context.Background(), "hostile_"+n, "token", secretValue); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

// run calls hostile plugin name with input.
func (e *hostileEnv) run(name string, input any) (map[string]any, error) {
	out, err := invokeHostile(e.rt, name, input)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("output %s: %w", out, err)
	}
	return m, nil
}

// invokeHostile calls hostile plugin name with input on rt, as the attacker.
func invokeHostile(rt *host.Runtime, name string, input any) ([]byte, error) {
	in, _ := json.Marshal(input)
	p := host.Principal{ClientID: "attacker", Subject: "attacker", Scopes: []string{"hostile_" + name + ":run"}}
	return rt.Invoke(context.Background(), p, "hostile_"+name, "run", in)
}

// stillServes fails the test unless the runtime answers a normal call.
func (e *hostileEnv) stillServes(t *testing.T) {
	t.Helper()
	out, err := e.rt.Invoke(context.Background(), caller("echo:call"), "echo", "echo", []byte(`{"message":"still here"}`))
	if err != nil || string(out) != `{"message":"still here"}` {
		t.Fatalf("runtime no longer serves: %s, %v", out, err)
	}
}

// hostileCase is one attack: a hostile plugin, its input, and what the
// outcome must look like for the attack to have failed.
type hostileCase struct {
	name   string
	plugin string
	input  any
	check  func(t *testing.T, out map[string]any, err error)
}

// hostileCases are the attacks of the hostile suite against env's servers.
func hostileCases(env *hostileEnv) []hostileCase {
	allowedURL := func(path string) string { return "http://allowed.test:" + env.allowed.port + path }
	return []hostileCase{
		{"spin loop is stopped at its timeout", "spin", map[string]any{}, wantErr(host.ErrTimeout)},
		{"unbounded memory growth hits the cap", "memgrow", map[string]any{}, wantErr(host.ErrPluginCrashed)},
		// The guest's stack grows until memory runs out; on a loaded machine
		// (or under -race) the timeout may come first. Either stops it.
		{"deep recursion is stopped", "recurse", map[string]any{}, wantErr(host.ErrPluginCrashed, host.ErrTimeout)},
		{"gigantic output in kernel memory", "bigoutput", map[string]any{"mode": "kernel"}, wantAnyErr},
		{"gigantic output claimed by a lying length", "bigoutput", map[string]any{"mode": "lie"}, wantAnyErr},
		{"gigantic output built in guest memory", "bigoutput", map[string]any{"mode": "guest"}, wantAnyErr},
		{"go panic", "panic", map[string]any{}, wantErr(host.ErrPluginCrashed)},
		{"trap", "trap", map[string]any{}, wantErr(host.ErrPluginCrashed)},
		{"every goroutine blocked", "deadlock", map[string]any{}, wantErr(host.ErrPluginCrashed)},
		{"reading /etc/passwd through WASI", "readfile", map[string]any{}, func(t *testing.T, out map[string]any, err error) {
			if err != nil {
				return
			}
			if passwd, _ := out["passwd"].(string); passwd != "" || out["root"] != nil {
				t.Fatalf("the plugin read host files: %v", out)
			}
		}},
		{"reading the host's environment", "env", map[string]any{}, func(t *testing.T, out map[string]any, err error) {
			if err != nil {
				return
			}
			if s := fmt.Sprint(out); strings.Contains(s, "SAA_TEST_CANARY") || strings.Contains(s, "PATH=") {
				t.Fatalf("the plugin saw the host's environment: %v", out)
			}
		}},
		{"extism's built-in http_request", "extism_http", map[string]any{"url": allowedURL("/ok")}, notReached(env.allowed)},
		{"egress to an undeclared host", "egress", map[string]any{"url": "http://127.0.0.1:" + env.other.port + "/"}, notReached(env.other)},
		{"egress to an undeclared port of a declared host", "egress", map[string]any{"url": "http://allowed.test:" + env.other.port + "/"}, notReached(env.other)},
		{"redirect to 127.0.0.1", "egress", map[string]any{"url": allowedURL("/redirect?to=" + url.QueryEscape("http://127.0.0.1:"+env.other.port+"/"))}, notReached(env.other)},
		{"redirect to cloud metadata", "egress", map[string]any{"url": allowedURL("/redirect?to=" + url.QueryEscape("http://169.254.169.254/latest/meta-data/"))}, wantOutputError},
		{"redirect to an undeclared host", "egress", map[string]any{"url": allowedURL("/redirect?to=" + url.QueryEscape("http://undeclared.test:"+env.other.port+"/"))}, notReached(env.other)},
		{"declared name resolving to a private address", "egress", map[string]any{"url": "http://private.test/"}, wantOutputError},
		{"undeclared secret", "secret_undeclared", map[string]any{"url": allowedURL("/echo-auth")}, wantOutputError},
		{"bound secret sent to another host", "secret_elsewhere", map[string]any{"url": "http://other.test:" + env.other.port + "/echo-auth"}, func(t *testing.T, out map[string]any, err error) {
			if auth, _ := env.other.authSeen.Load().(string); strings.Contains(auth, secretValue) {
				t.Fatal("the secret reached a host it is not bound to")
			}
			wantOutputError(t, out, err)
		}},
		{"secret echoed back into the output", "secret_echo", map[string]any{"url": allowedURL("/echo-auth")}, func(t *testing.T, out map[string]any, err error) {
			if auth, _ := env.allowed.authSeen.Load().(string); auth != "Bearer "+secretValue {
				t.Fatalf("the bound host got Authorization %q, want the injected secret", auth)
			}
			if s := fmt.Sprint(out, err); strings.Contains(s, secretValue) || !strings.Contains(s, "[REDACTED]") {
				t.Fatalf("the secret's echo was not scrubbed: %s", s)
			}
		}},
	}
}

func TestHostilePluginsAreContained(t *testing.T) {
	env := newHostileEnv(t)
	tests := hostileCases(env)
	t.Setenv("SAA_TEST_CANARY", "canary")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := env.run(tt.plugin, tt.input)
			tt.check(t, out, err)
			env.stillServes(t)
		})
	}
}

// wantErr wants the call to fail with one of wants.
func wantErr(wants ...error) func(*testing.T, map[string]any, error) {
	return func(t *testing.T, out map[string]any, err error) {
		t.Helper()
		for _, w := range wants {
			if errors.Is(err, w) {
				return
			}
		}
		t.Fatalf("err = %v (output %v), want one of %v", err, out, wants)
	}
}

func wantAnyErr(t *testing.T, out map[string]any, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("the call succeeded with %v", out)
	}
}

// wantOutputError wants the plugin's request refused: either the call failed
// or the plugin reported the host's refusal.
func wantOutputError(t *testing.T, out map[string]any, err error) {
	t.Helper()
	if err == nil && (out["error"] == nil || out["error"] == "") {
		t.Fatalf("the request went through: %v", out)
	}
}

func notReached(s *server) func(*testing.T, map[string]any, error) {
	return func(t *testing.T, out map[string]any, err error) {
		t.Helper()
		if n := s.hits.Swap(0); n != 0 {
			t.Fatalf("the target was reached %d times (output %v, err %v)", n, out, err)
		}
		wantOutputError(t, out, err)
	}
}

func TestBadModulesAreRefusedAtLoad(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   error
	}{
		{"sha256 mismatch", func(t *testing.T, dir string) {
			appendTo(t, filepath.Join(dir, "echo.wasm"), []byte{0})
		}, manifests.ErrSHA256Mismatch},
		{"malformed wasm", func(t *testing.T, dir string) {
			writeWasm(t, dir, []byte("\x00asm\x01\x00\x00\x00garbage"))
		}, nil},
		{"not wasm at all", func(t *testing.T, dir string) {
			writeWasm(t, dir, []byte("#!/bin/sh\necho pwned\n"))
		}, manifests.ErrNotWasm},
		{"manifest pointing outside its folder", func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "echo.yaml"), "path: echo.wasm", "path: ../../../../../../etc/passwd")
		}, manifests.ErrOutsideRoot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := plugintest.Install(t, plugintest.FirstParty("echo"))
			tt.mutate(t, dir)
			cfg := host.DefaultConfig()
			cfg.DataDir, cfg.PluginsDir = filepath.Join(t.TempDir(), "data"), dir
			cfg.EgressDial = egresstest.LoopbackOnly(t)
			rt, err := host.New(context.Background(), cfg)
			if err == nil {
				rt.Close(context.Background())
				t.Fatal("the runtime loaded the plugin")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "echo.yaml") {
				t.Fatalf("error %q does not name the manifest", err)
			}
		})
	}
}

// writeWasm replaces echo's module and pins the manifest to it, so that only
// the module's content is wrong.
func writeWasm(t *testing.T, dir string, code []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "echo.wasm"), code, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(dir, "echo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := manifests.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	rewrite(t, filepath.Join(dir, "echo.yaml"), l.Wasm.SHA256, sha256Hex(code))
}

func appendTo(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func rewrite(t *testing.T, path, old, repl string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), old, repl)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrencyCapQueuesAndGivesUp(t *testing.T) {
	rt := newRuntimeWith(t, func(c *host.Config) { c.Pool.MaxConcurrency = 1 }, plugintest.Hostile("spin"))
	spin := host.Principal{ClientID: "a", Scopes: []string{"hostile_spin:run"}}

	first := make(chan error, 1)
	go func() {
		_, err := rt.Invoke(context.Background(), spin, "hostile_spin", "run", []byte(`{}`))
		first <- err
	}()
	checkFor(t, func() error {
		if rt.PoolStats("hostile_spin").InUse != 1 {
			return errors.New("first call not running yet")
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the second caller gives up at once: the only slot is taken
	if _, err := rt.Invoke(ctx, spin, "hostile_spin", "run", []byte(`{}`)); !errors.Is(err, host.ErrBusy) {
		t.Fatalf("second call while the cap is reached: %v, want ErrBusy", err)
	}
	if err := <-first; !errors.Is(err, host.ErrTimeout) {
		t.Fatalf("first call: %v, want ErrTimeout", err)
	}
}

// TestHostileBulkIOIsContained: a guest that lies in its bulk I/O mailbox
// (host/wasm/bulk.go) fails that call, or for a lie about the next call's
// input buffer the next call, and never the host.
func TestHostileBulkIOIsContained(t *testing.T) {
	env := newHostileEnv(t)
	if out, err := env.run("bulkio", map[string]any{"mode": "ok"}); err != nil || out["ok"] != true {
		t.Fatalf("a well-formed mailbox: %v, %v", out, err)
	}
	tests := []struct {
		name, mode string
		next       bool // the lie is about the next call
		want       error
	}{
		{"output past the end of memory", "out_of_range", false, host.ErrPluginCrashed},
		{"output at 0xFFFFFFFF", "ptr_ffffffff", false, host.ErrPluginCrashed},
		{"output 0xFFFFFFFF bytes long", "len_ffffffff", false, host.ErrOutputTooLarge},
		{"output over the limit", "over_limit", false, host.ErrOutputTooLarge},
		{"output overlapping the mailbox", "overlap", false, host.ErrPluginCrashed},
		{"input buffer past the end of memory", "input_out_of_range", true, host.ErrPluginCrashed},
		{"input buffer overlapping the mailbox", "input_overlap", true, host.ErrPluginCrashed},
		{"mailbox at 0xFFFFFFFF", "mailbox_ffffffff", true, host.ErrPluginCrashed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := env.run("bulkio", map[string]any{"mode": tt.mode})
			if tt.next {
				if err != nil {
					t.Fatalf("the call that plants the lie: %v", err)
				}
				out, err = env.run("bulkio", map[string]any{"mode": "ok"})
			}
			wantErr(tt.want)(t, out, err)
			env.stillServes(t)
			if out, err := env.run("bulkio", map[string]any{"mode": "ok"}); err != nil || out["ok"] != true {
				t.Fatalf("the attacker's next call: %v, %v", out, err)
			}
		})
	}
}
