package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/store"
)

func TestCallCommand(t *testing.T) {
	t.Setenv("SAA_PLUGINS_DIR", plugintest.Install(t, plugintest.FirstParty("echo")))
	t.Setenv("SAA_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	inputFile := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(inputFile, []byte(`{"message":"from a file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    string
		stderrHas string
	}{
		{"echo", []string{"call", "echo.echo", "--input", `{"message":"hi"}`}, 0, `{"message":"hi"}` + "\n", ""},
		{"input from a file", []string{"call", "echo.echo", "--input", "@" + inputFile}, 0, `{"message":"from a file"}` + "\n", ""},
		{"invalid input", []string{"call", "echo.echo", "--input", `{"message":1}`}, 1, "", "invalid input"},
		{"unknown action", []string{"call", "echo.shout", "--input", `{}`}, 1, "", "no such action"},
		{"missing file", []string{"call", "echo.echo", "--input", "@/does/not/exist"}, 1, "", "read input"},
		{"no target", []string{"call", "--input", `{}`}, 2, "", "usage"},
		{"target without action", []string{"call", "echo", "--input", `{}`}, 2, "", "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code || stdout.String() != tt.stdout || !strings.Contains(stderr.String(), tt.stderrHas) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
					code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderrHas)
			}
		})
	}
}

func TestPluginInspect(t *testing.T) {
	var stdout, stderr bytes.Buffer
	manifest := filepath.Join(plugintest.Repo(), "manifests", "github.yaml")
	if code := run(context.Background(), []string{"plugin", "inspect", manifest}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"https://api.github.com", "secret token", "Authorization", "github:issues.write", "write"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: Bad Name\n"), 0o600)
	if code := run(context.Background(), []string{"plugin", "inspect", bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("inspect of a bad manifest exited %d", code)
	}
}

// runCmd runs the command line and returns its exit code and output.
func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = run(context.Background(), args, &out, &errs)
	return code, out.String(), errs.String()
}

// A call compiles only the plugin it runs: another plugin whose module does
// not match its manifest does not stop it (and is refused when called).
func TestCallLoadsOnlyThePluginItCalls(t *testing.T) {
	dir := plugintest.Install(t, plugintest.FirstParty("echo"), plugintest.Testdata("counter"))
	f, err := os.OpenFile(filepath.Join(dir, "counter.wasm"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	t.Setenv("SAA_PLUGINS_DIR", dir)
	t.Setenv("SAA_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	if code, stdout, stderr := runCmd("call", "echo.echo", "--input", `{"message":"hi"}`); code != 0 || stdout != `{"message":"hi"}`+"\n" {
		t.Fatalf("call echo: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := runCmd("call", "counter.next", "--input", `{}`); code != 1 || !strings.Contains(stderr, "counter") {
		t.Fatalf("call of the broken plugin: exit %d, stderr %q", code, stderr)
	}
	cache, err := os.ReadDir(filepath.Join(os.Getenv("SAA_DATA_DIR"), "wasm-cache"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compilation cache: %d entries", len(cache))
}

// While a server holds the data dir, a call says what to do instead.
func TestCallOnABusyDataDirSaysWhatToDo(t *testing.T) {
	t.Setenv("SAA_PLUGINS_DIR", plugintest.Install(t, plugintest.FirstParty("echo")))
	dataDir := filepath.Join(t.TempDir(), "data")
	t.Setenv("SAA_DATA_DIR", dataDir)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dataDir, "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, _, stderr := runCmd("call", "echo.echo", "--input", `{"message":"hi"}`)
	for _, want := range []string{"database is in use by another process", "--server URL", "--token", "SAA_CLIENT_ID", "--data-dir"} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
		}
	}
	other := filepath.Join(t.TempDir(), "other")
	if code, stdout, stderr := runCmd("call", "echo.echo", "--input", `{"message":"hi"}`, "--data-dir", other); code != 0 || stdout != `{"message":"hi"}`+"\n" {
		t.Errorf("call on another --data-dir: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// saa call --server calls through a running server's API with a client's
// token or credentials.
func TestE2ECallThroughServer(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, freePort(t), dataDir)
	admin := "Basic admin:" + s.adminPassword()
	id, secret := s.newClient(admin, "echo:call")
	token := strings.TrimPrefix(s.token(id, secret, "echo:call"), "Bearer ")
	t.Setenv("SAA_DATA_DIR", dataDir)
	t.Setenv("SAA_PLUGINS_DIR", e2eManifests(t))
	for _, env := range []string{"SAA_TOKEN", "SAA_CLIENT_ID", "SAA_CLIENT_SECRET"} {
		t.Setenv(env, "")
	}
	in := `{"message":"through the API"}`
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stdout string
		errHas string
	}{
		{"client credentials", []string{"--client-id", id, "--client-secret", secret}, nil, 0, in + "\n", ""},
		{"credentials from the environment", nil, []string{"SAA_CLIENT_ID", id, "SAA_CLIENT_SECRET", secret}, 0, in + "\n", ""},
		{"token", []string{"--token", token}, nil, 0, in + "\n", ""},
		{"token from the environment", nil, []string{"SAA_TOKEN", token}, 0, in + "\n", ""},
		{"no credential", nil, nil, 2, "", "--server needs a --token"},
		{"wrong secret", []string{"--client-id", id, "--client-secret", "nope"}, nil, 1, "", "invalid_client"},
		{"bad token", []string{"--token", "nope"}, nil, 1, "", "401"},
		{"unknown action", []string{"--token", token, "--input", `{}`}, nil, 1, "", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i+1 < len(tt.env); i += 2 {
				t.Setenv(tt.env[i], tt.env[i+1])
			}
			target := "echo.echo"
			if tt.name == "unknown action" {
				target = "echo.shout"
			}
			args := append([]string{"call", target, "--input", in, "--server", s.base}, tt.args...)
			code, stdout, stderr := runCmd(args...)
			if code != tt.code || stdout != tt.stdout || !strings.Contains(stderr, tt.errHas) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, stderr with %q", code, stdout, stderr, tt.code, tt.stdout, tt.errHas)
			}
		})
	}
	code, _, stderr := runCmd("call", "echo.echo", "--input", in)
	if code != 1 || !strings.Contains(stderr, "--server URL") {
		t.Errorf("in-process call beside the server: exit %d, stderr %q", code, stderr)
	}
}
