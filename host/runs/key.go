package runs

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WebhookKeySize is the size of the server's webhook key.
const WebhookKeySize = 32

// webhookKeyFile is the generated key's file in the data dir.
const webhookKeyFile = "webhook.key"

// LoadWebhookKey returns the server's webhook key, from which every client's
// key is derived: SAA_WEBHOOK_KEY (base64 of 32 bytes) if set; else, outside
// production, the data dir's webhook.key, generated on first use (mode 0600).
// Production refuses generated keys and needs SAA_WEBHOOK_KEY.
func LoadWebhookKey(dataDir string, getenv func(string) string, production bool) ([]byte, error) {
	if v := getenv("SAA_WEBHOOK_KEY"); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("SAA_WEBHOOK_KEY: %w", err)
		}
		return key, nil
	}
	if production {
		return nil, ErrWebhookKeyRequired
	}
	path := filepath.Join(dataDir, webhookKeyFile)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook key: %w", err)
	}
	return key, nil
}

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != WebhookKeySize {
		return nil, fmt.Errorf("want %d bytes in base64", WebhookKeySize)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := decodeKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new random key to path, which must not exist. The
// key is written to a temporary file first and linked into place, so no
// reader ever sees a partial key; if another process created path first, its
// key is used.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, WebhookKeySize)
	rand.Read(key)
	tmp, err := os.CreateTemp(filepath.Dir(path), webhookKeyFile+".*") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err = errors.Join(err, tmp.Sync(), tmp.Close()); err != nil {
		return nil, err
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}
