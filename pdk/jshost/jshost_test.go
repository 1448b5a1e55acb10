package jshost_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/pdk/pdktest"
)

// node runs run.mjs; the test is skipped where Node or the npm package is
// missing, and fails on anything else.
func node(t *testing.T, wasm []byte, function, input string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "@extism", "extism")); err != nil {
		t.Skip("npm packages not installed: run make test-deps")
	}
	path := filepath.Join(t.TempDir(), "plugin.wasm")
	if err := os.WriteFile(path, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "node", "--no-warnings", "run.mjs", path, function)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &runError{err, stderr.String()}
	}
	return stdout.String(), nil
}

type runError struct {
	err    error
	stderr string
}

func (e *runError) Error() string { return e.err.Error() + ": " + e.stderr }

func build(t *testing.T, name string) []byte {
	t.Helper()
	wasm, err := pdktest.Build(context.Background(), filepath.Join("..", "..", "plugins", name))
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

func TestPluginsRunInTheJSHost(t *testing.T) {
	echo, tickets := build(t, "echo"), build(t, "tickets")
	big := `{"message":"` + strings.Repeat("x", 1<<20) + `"}`
	tests := []struct {
		name, function, input, want string
		wasm                        []byte
	}{
		{"echo", "echo", `{"message":"hi ✓"}`, `{"message":"hi ✓"}`, echo},
		{"echo 1 MiB", "echo", big, big, echo},
		{"tickets", "analyze",
			`{"tickets":[{"id":"1","title":"login broken","text":"login fails","status":"open","priority":"high","created_at":"2026-01-01T00:00:00Z"}]}`,
			`{"total":1,"by_status":{"open":1},"by_priority":{"high":1},"median_resolution_hours":null,"top_phrases":[{"phrase":"login broken","count":1}]}`,
			tickets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := node(t, tt.wasm, tt.function, tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Fatalf("output %.200q, want %.200q", out, tt.want)
			}
		})
	}
	t.Run("a plugin error reaches the JS host", func(t *testing.T) {
		_, err := node(t, tickets, "analyze", `{"tickets":`)
		if err == nil || !strings.Contains(err.Error(), "decode input") {
			t.Fatalf("err = %v, want the plugin's decode error", err)
		}
	})
}
