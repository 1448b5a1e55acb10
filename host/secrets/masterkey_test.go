package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadMasterKeyFromEnv(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb}, MasterKeySize) // 0xfb shows the alphabet: '+' or '-'
	tests := []struct {
		name, value string
		ok          bool
	}{
		{"standard", base64.StdEncoding.EncodeToString(raw), true},
		{"standard unpadded", base64.RawStdEncoding.EncodeToString(raw), true},
		{"url alphabet", base64.URLEncoding.EncodeToString(raw), true},
		{"surrounding space", " " + base64.StdEncoding.EncodeToString(raw) + "\n", true},
		{"not base64", "not base64 at all!", false},
		{"16 bytes", base64.StdEncoding.EncodeToString(raw[:16]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(raw, 1)), false},
		{"hex instead of base64", strings.Repeat("ab", 32), false},
	}
	for _, tc := range tests {
		for _, production := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				key, err := LoadMasterKey(dir, env(map[string]string{MasterKeyEnv: tc.value}), production)
				if tc.ok != (err == nil) || (tc.ok && !bytes.Equal(key, raw)) {
					t.Fatalf("LoadMasterKey() = %x, %v; want ok=%v", key, err, tc.ok)
				}
				if !tc.ok && (!errors.Is(err, ErrMasterKey) || strings.Contains(err.Error(), strings.TrimSpace(tc.value))) {
					t.Fatalf("error %q: want ErrMasterKey, without the input", err)
				}
				if _, err := os.Stat(filepath.Join(dir, masterKeyFile)); !os.IsNotExist(err) {
					t.Fatal("a key file was written although the environment sets the key")
				}
			})
		}
	}
}

func TestLoadMasterKeyProductionRequiresEnv(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadMasterKey(dir, env(nil), true); !errors.Is(err, ErrMasterKey) {
		t.Fatalf("LoadMasterKey(production) error = %v, want ErrMasterKey", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("production wrote %d files into the data dir", len(entries))
	}
}

func TestLoadMasterKeyGenerated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	first, err := LoadMasterKey(dir, env(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != MasterKeySize {
		t.Fatalf("key is %d bytes", len(first))
	}
	info, err := os.Stat(filepath.Join(dir, masterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", info.Mode().Perm())
	}
	again, err := LoadMasterKey(dir, env(nil), false)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatal("second load returned another key")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("data dir holds %d files, want only %s", len(entries), masterKeyFile)
	}
}

func TestLoadMasterKeyConcurrentFirstStart(t *testing.T) {
	dir := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadMasterKey(dir, env(nil), false)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent first starts generated different keys")
		}
	}
}

func TestLoadMasterKeyRefusesBadFile(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, MasterKeySize))
	tests := []struct {
		name, content string
		mode          os.FileMode
	}{
		{"readable by others", good, 0o644},
		{"readable by group", good, 0o640},
		{"not base64", "garbage!", 0o600},
		{"short key", base64.StdEncoding.EncodeToString([]byte("short")), 0o600},
		{"empty", "", 0o600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, masterKeyFile)
			if err := os.WriteFile(path, []byte(tc.content), tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			if _, err := LoadMasterKey(dir, env(nil), false); !errors.Is(err, ErrMasterKey) {
				t.Fatalf("LoadMasterKey() error = %v, want ErrMasterKey", err)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.content {
				t.Fatal("the existing key file was replaced")
			}
		})
	}
}

func FuzzParseMasterKey(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, MasterKeySize)))
	f.Add("")
	f.Add("====")
	f.Add("%%%% not a key")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := parseMasterKey(s)
		if err == nil && len(key) != MasterKeySize {
			t.Fatalf("accepted a %d-byte key", len(key))
		}
		if err != nil && len(s) > 64 && strings.Contains(err.Error(), s) { // longer than any message
			t.Fatalf("error %q quotes the input", err)
		}
	})
}

// FuzzOpen feeds arbitrary blobs to open: never a panic, never a value.
func FuzzOpen(f *testing.F) {
	s, err := newSealer(bytes.Repeat([]byte{3}, MasterKeySize))
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := s.seal("a/b", []byte("value"))
	f.Add("a/b", sealed)
	f.Add("a/c", sealed)
	f.Add("a/b", []byte{1})
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, key string, blob []byte) {
		v, err := s.open(key, blob)
		if err == nil && (key != "a/b" || string(v) != "value") { // the only thing ever sealed
			t.Fatalf("opened a blob that was never sealed under %q: %q", key, v)
		}
	})
}
