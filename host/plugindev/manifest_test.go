package plugindev

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	zeros = strings.Repeat("0", 64)
	sha   = strings.Repeat("ab", 32)
)

func TestRewriteSHA(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    string
		wantErr error
	}{
		{
			name: "plain",
			src:  "name: x\nwasm:\n  path: x.wasm\n  sha256: " + zeros + "\nactions: []\n",
			want: "name: x\nwasm:\n  path: x.wasm\n  sha256: \"" + sha + "\"\nactions: []\n",
		},
		{
			name: "double quoted",
			src:  "wasm:\n  sha256: \"" + zeros + "\"\n",
			want: "wasm:\n  sha256: \"" + sha + "\"\n",
		},
		{
			name: "single quoted",
			src:  "wasm:\n  sha256: '" + zeros + "'\n",
			want: "wasm:\n  sha256: '" + sha + "'\n",
		},
		{
			name: "comment and CRLF kept",
			src:  "wasm:   # the module\r\n    sha256: " + zeros + "   # set by make build\r\nx: 1\r\n",
			want: "wasm:   # the module\r\n    sha256: \"" + sha + "\"   # set by make build\r\nx: 1\r\n",
		},
		{
			name: "empty value",
			src:  "wasm:\n  path: x.wasm\n  sha256:\n",
			want: "wasm:\n  path: x.wasm\n  sha256: \"" + sha + "\"\n",
		},
		{
			name: "sha256 elsewhere untouched",
			src: "actions:\n  - input:\n      properties:\n        sha256: {type: string}\n" +
				"wasm:\n  sha256: " + zeros + "\n",
			want: "actions:\n  - input:\n      properties:\n        sha256: {type: string}\n" +
				"wasm:\n  sha256: \"" + sha + "\"\n",
		},
		{
			name: "empty value with comment",
			src:  "wasm:\n  sha256: # todo\n",
			want: "wasm:\n  sha256: \"" + sha + "\" # todo\n",
		},
		{name: "missing", src: "name: x\nwasm:\n  path: x.wasm\n", wantErr: ErrNoWasmField},
		{name: "flow style", src: "wasm: {path: x.wasm, sha256: " + zeros + "}\n", wantErr: ErrNoWasmField},
		{name: "twice", src: "wasm:\n  sha256: a\n  sha256: b\n", wantErr: ErrNoWasmField},
		{name: "top-level sha256 only", src: "sha256: " + zeros + "\n", wantErr: ErrNoWasmField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteSHA([]byte(tt.src), sha)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("rewriteSHA = %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

func TestWasmPath(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{name: "plain", src: "wasm:\n  path: ../plugins/echo/echo.wasm\n", want: "../plugins/echo/echo.wasm"},
		{name: "comment", src: "wasm:\n  path: a.wasm # built\n", want: "a.wasm"},
		{name: "double quoted", src: "wasm:\n  path: \"dir with space/a.wasm\"\n", want: "dir with space/a.wasm"},
		{name: "single quoted", src: "wasm:\n  path: 'a.wasm'\r\n", want: "a.wasm"},
		{name: "plain with space", src: "wasm:\n  path: my dir/a.wasm\n", want: "my dir/a.wasm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wasmPath([]byte(tt.src))
			if err != nil || got != tt.want {
				t.Fatalf("wasmPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestUpdateManifestSHA(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.yaml")
	src := "name: x # keep me\nwasm:\n  path: x.wasm\n  sha256: " + zeros + "\n"
	if err := os.WriteFile(path, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
	t.Run("new digest", func(t *testing.T) {
		changed, err := UpdateManifestSHA(path, sha)
		if err != nil || !changed {
			t.Fatalf("changed = %v, %v", changed, err)
		}
		if got := readFile(t, path); got != strings.Replace(src, zeros, `"`+sha+`"`, 1) {
			t.Fatalf("manifest = %q", got)
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
			t.Fatalf("mode = %v, want 0640", info.Mode().Perm())
		}
	})
	t.Run("same digest", func(t *testing.T) {
		changed, err := UpdateManifestSHA(path, sha)
		if err != nil || changed {
			t.Fatalf("changed = %v, %v", changed, err)
		}
	})
	t.Run("invalid digest", func(t *testing.T) {
		for _, bad := range []string{"", "ABAB", strings.Repeat("A", 64), sha + "\n"} {
			if _, err := UpdateManifestSHA(path, bad); !errors.Is(err, ErrInvalidSHA) {
				t.Fatalf("%q: err = %v, want ErrInvalidSHA", bad, err)
			}
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := UpdateManifestSHA(filepath.Join(t.TempDir(), "none.yaml"), sha); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want not exist", err)
		}
	})
}

func FuzzRewriteSHA(f *testing.F) {
	f.Add("name: x\nwasm:\n  path: x.wasm\n  sha256: " + zeros + "\n")
	f.Add("wasm: # c\r\n  sha256: '" + zeros + "' # c\r\n")
	f.Add("wasm:\n\tsha256:\n")
	f.Add("wasm: {sha256: 1}\n")
	f.Fuzz(func(t *testing.T, src string) {
		out, err := rewriteSHA([]byte(src), sha)
		if err != nil {
			return
		}
		before, after := strings.Split(src, "\n"), strings.Split(string(out), "\n")
		if len(before) != len(after) {
			t.Fatalf("line count changed: %d -> %d", len(before), len(after))
		}
		diff := 0
		for i := range before {
			if before[i] != after[i] {
				diff++
			}
		}
		if diff > 1 {
			t.Fatalf("%d lines changed", diff)
		}
		again, err := rewriteSHA(out, sha)
		if err != nil || string(again) != string(out) {
			t.Fatalf("second rewrite changed the output: %q, %v", again, err)
		}
	})
}
