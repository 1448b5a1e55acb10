package runs

import (
	"fmt"
	"strings"

	"github.com/secure-agent/saa/host/secrets"
)

// WebhookKeySize is the size of the server's webhook key.
const WebhookKeySize = secrets.MasterKeySize

// webhookKeyFile is the generated key's file in the data dir, and
// webhookKeyEnv the variable that supplies the key instead.
const (
	webhookKeyFile = "webhook.key"
	webhookKeyEnv  = "SAA_WEBHOOK_KEY"
)

// LoadWebhookKey returns the server's webhook key, from which every client's
// key is derived: SAA_WEBHOOK_KEY (base64 of 32 bytes) if set; else, outside
// production, the data dir's webhook.key, generated on first use (mode 0600).
// Production refuses generated keys and needs SAA_WEBHOOK_KEY.
func LoadWebhookKey(dataDir string, getenv func(string) string, production bool) ([]byte, error) {
	if production && strings.TrimSpace(getenv(webhookKeyEnv)) == "" {
		return nil, ErrWebhookKeyRequired
	}
	key, err := secrets.LoadKey(dataDir, webhookKeyFile, webhookKeyEnv, getenv, production)
	if err != nil {
		return nil, fmt.Errorf("load webhook key: %w", err)
	}
	return key, nil
}
