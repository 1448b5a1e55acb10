package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/plugintest"
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
