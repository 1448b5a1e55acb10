package manifests

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minimalWasm is the smallest valid module: magic and version 1.
var minimalWasm = []byte("\x00asm\x01\x00\x00\x00")

// sha256Hex returns the lowercase hex digest of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// manifestYAML returns a valid manifest for plugin name with wasm.path path.
func manifestYAML(name, path, sum string) string {
	return "name: " + name + "\nversion: 1.0.0\npublisher: test\n" +
		"wasm: {path: " + path + ", sha256: " + sum + "}\n" +
		"actions:\n  - {name: run, description: Run., scopes: [call], effect: read, input: {type: object}, output: {type: object}}\n"
}

// writeFile writes data to root/rel, creating folders.
func writeFile(t *testing.T, root, rel, data string) string {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pluginTree lays out root/manifests/<name>.yaml and root/plugins/<name>/<name>.wasm.
func pluginTree(t *testing.T, names ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, n := range names {
		writeFile(t, root, "plugins/"+n+"/"+n+".wasm", string(minimalWasm))
		writeFile(t, root, "manifests/"+n+".yaml", manifestYAML(n, "../plugins/"+n+"/"+n+".wasm", sha256Hex(minimalWasm)))
	}
	return root
}

func TestLoadDir(t *testing.T) {
	root := pluginTree(t, "zeta", "alpha")
	dir := filepath.Join(root, "manifests")
	writeFile(t, dir, "README.md", "# not a manifest")
	writeFile(t, dir, "schema.json", string(SchemaJSON()))
	writeFile(t, dir, "workflow.schema.json", `{"$defs":{}}`)
	writeFile(t, dir, ".alpha.yaml.swp", "junk")
	writeFile(t, dir, ".hidden.yaml", "junk")
	writeFile(t, dir, "nested.yaml/inner.yaml", "junk")
	writeFile(t, dir, "mid.json", string(mustJSON(t, validDoc())))
	got, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range got {
		names = append(names, l.Name+"@"+filepath.Base(l.File))
	}
	if want := "alpha@alpha.yaml echo@mid.json zeta@zeta.yaml"; strings.Join(names, " ") != want {
		t.Errorf("loaded %v, want %s", names, want)
	}
}

func TestLoadDirRejects(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"invalid manifest", func(t *testing.T, dir string) {
			writeFile(t, dir, "bad.yml", "name: Bad\n")
		}, "bad.yml"},
		{"duplicate plugin name", func(t *testing.T, dir string) {
			writeFile(t, dir, "copy.yaml", manifestYAML("alpha", "x.wasm", sha256Hex(nil)))
		}, `copy.yaml: plugin "alpha" already loaded from`},
		{"oversized manifest", func(t *testing.T, dir string) {
			writeFile(t, dir, "big.yaml", manifestYAML("big", "x.wasm", sha256Hex(nil))+"#"+strings.Repeat("x", MaxManifestSize))
		}, "big.yaml: invalid manifest: too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(pluginTree(t, "alpha"), "manifests")
			tc.setup(t, dir)
			_, err := LoadDir(dir)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := LoadDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing directory loaded")
	}
}

func TestWasmFile(t *testing.T) {
	root := pluginTree(t, "alpha")
	outside := t.TempDir()
	writeFile(t, outside, "evil.wasm", string(minimalWasm))
	link := func(target, rel string) func(t *testing.T) {
		return func(t *testing.T) {
			if err := os.Symlink(target, filepath.Join(root, rel)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name    string
		path    string
		setup   func(t *testing.T)
		wantErr error
	}{
		{"inside root", "../plugins/alpha/alpha.wasm", nil, nil},
		{"unclean but inside", "./../plugins/x/../alpha/alpha.wasm", nil, nil},
		{"symlink inside root", "../plugins/alpha/link.wasm", link("alpha.wasm", "plugins/alpha/link.wasm"), nil},
		{"absolute", filepath.Join(root, "plugins/alpha/alpha.wasm"), nil, ErrOutsideRoot},
		{"outside root", "../../" + filepath.Base(outside) + "/evil.wasm", nil, ErrOutsideRoot},
		{"the root's parent", "../..", nil, ErrOutsideRoot},
		{"symlink escaping root", "../plugins/alpha/escape.wasm", link(filepath.Join(outside, "evil.wasm"), "plugins/alpha/escape.wasm"), ErrOutsideRoot},
		{"symlinked folder escaping root", "../plugins/out/evil.wasm", link(outside, "plugins/out"), ErrOutsideRoot},
		{"missing file", "../plugins/alpha/missing.wasm", nil, os.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			l := Loaded{Manifest: &Manifest{Wasm: Wasm{Path: tc.path}}, File: filepath.Join(root, "manifests", "alpha.yaml")}
			got, err := l.WasmFile(root)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("WasmFile = %q, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := filepath.EvalSymlinks(filepath.Join(root, "plugins/alpha/alpha.wasm")); got != want {
				t.Errorf("WasmFile = %q, want %q", got, want)
			}
		})
	}
}

func TestReadWasm(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.wasm", string(minimalWasm)+"rest")
	text := writeFile(t, dir, "text.wasm", "not wasm at all")
	v2 := writeFile(t, dir, "v2.wasm", "\x00asm\x02\x00\x00\x00")
	cases := []struct {
		name    string
		path    string
		sum     string
		max     int64
		wantErr error
	}{
		{"valid", good, sha256Hex(append(minimalWasm, "rest"...)), 0, nil},
		{"exact bound", good, sha256Hex(append(minimalWasm, "rest"...)), 12, nil},
		{"sha256 mismatch", good, sha256Hex([]byte("other")), 0, ErrSHA256Mismatch},
		{"not wasm", text, sha256Hex([]byte("not wasm at all")), 0, ErrNotWasm},
		{"wasm version 2", v2, sha256Hex([]byte("\x00asm\x02\x00\x00\x00")), 0, ErrNotWasm},
		{"too large", good, sha256Hex(append(minimalWasm, "rest"...)), 11, ErrTooLarge},
		{"uppercase digest", good, strings.ToUpper(sha256Hex(append(minimalWasm, "rest"...))), 0, ErrInvalid},
		{"short digest", good, "abcd", 0, ErrInvalid},
		{"directory", dir, sha256Hex(nil), 0, errNotRegular},
		{"missing", filepath.Join(dir, "missing.wasm"), sha256Hex(nil), 0, os.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := ReadWasm(tc.path, tc.sum, tc.max)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) || data != nil {
					t.Fatalf("ReadWasm = %d bytes, %v; want %v", len(data), err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case string(data) != string(minimalWasm)+"rest":
				t.Errorf("data = %q", data)
			}
		})
	}
}

func TestLoadedWasmEndToEnd(t *testing.T) {
	root := pluginTree(t, "alpha")
	loaded, err := LoadDir(filepath.Join(root, "manifests"))
	if err != nil {
		t.Fatal(err)
	}
	path, err := loaded[0].WasmFile(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWasm(path, loaded[0].Wasm.SHA256, 0); err != nil {
		t.Fatal(err)
	}
}

// TestLoadDirSkipsSchemas: the JSON Schemas kept beside the manifests
// (schema.json, agent.schema.json, workflow.schema.json) are not manifests.
func TestLoadDirSkipsSchemas(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"schema.json", "agent.schema.json", "workflow.schema.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"$defs":{}}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LoadDir(dir)
	if err != nil || len(got) != 0 {
		t.Fatalf("LoadDir = %v, %v; want nothing loaded", got, err)
	}
}
