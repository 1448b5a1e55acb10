package runs

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadWebhookKey(t *testing.T) {
	valid := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	cases := []struct {
		name       string
		env        string
		production bool
		file       string // contents of webhook.key beforehand, "" for none
		want       []byte // nil: a generated key
		wantErr    string
	}{
		{"from the environment", valid, false, "", bytes.Repeat([]byte{1}, 32), ""},
		{"environment in production", valid, true, "", bytes.Repeat([]byte{1}, 32), ""},
		{"environment too short", base64.StdEncoding.EncodeToString([]byte("short")), false, "", nil, "SAA_WEBHOOK_KEY"},
		{"environment not base64", "%%%", false, "", nil, "SAA_WEBHOOK_KEY"},
		{"production without environment", "", true, "", nil, ErrWebhookKeyRequired.Error()},
		{"generated", "", false, "", nil, ""},
		{"from the file", "", false, valid + "\n", bytes.Repeat([]byte{1}, 32), ""},
		{"corrupt file", "", false, "garbage", nil, "webhook.key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "webhook.key"), []byte(c.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			getenv := func(k string) string {
				if k == "SAA_WEBHOOK_KEY" {
					return c.env
				}
				return ""
			}
			got, err := LoadWebhookKey(dir, getenv, c.production)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.want != nil && !bytes.Equal(got, c.want) {
				t.Errorf("key = %x, want %x", got, c.want)
			}
			if c.want == nil {
				checkGenerated(t, dir, got)
			}
		})
	}
}

// checkGenerated checks that key was written to dir's webhook.key, mode
// 0600, and is read back by the next load.
func checkGenerated(t *testing.T, dir string, key []byte) {
	t.Helper()
	info, err := os.Stat(filepath.Join(dir, "webhook.key"))
	if err != nil || info.Mode().Perm() != 0o600 || len(key) != WebhookKeySize {
		t.Fatalf("webhook.key: %v, mode %v, key of %d bytes", err, info.Mode().Perm(), len(key))
	}
	again, err := LoadWebhookKey(dir, func(string) string { return "" }, false)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second load = %x, %v; want the generated key", again, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data dir holds %d files, want only webhook.key", len(entries))
	}
}
