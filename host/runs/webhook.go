package runs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Callbacks are signed as Standard Webhooks (https://www.standardwebhooks.com)
// specifies, so receivers can use its libraries:
//
//	webhook-id:        the run id (the same on every retry: deduplicate on it)
//	webhook-timestamp: the attempt's time, in Unix seconds
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>
//
// The key is the client's own (KeyFor), shown to it as Secret(key): a client
// can verify callbacks of its runs, never forge another client's.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	// SecretPrefix starts the text form of a client's webhook key.
	SecretPrefix = "whsec_"
)

// KeyFor derives clientID's webhook key from the server's key:
// HMAC-SHA256(serverKey, clientID).
func KeyFor(serverKey []byte, clientID string) []byte {
	mac := hmac.New(sha256.New, serverKey)
	mac.Write([]byte(clientID))
	return mac.Sum(nil)
}

// Secret returns key as a client is given it: "whsec_" and base64.
func Secret(key []byte) string { return SecretPrefix + base64.StdEncoding.EncodeToString(key) }

// ParseSecret returns the key of a Secret string.
func ParseSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("parse webhook secret: not %s and base64", SecretPrefix)
	}
	return key, nil
}

// Sign returns the webhook-signature value for a message.
func Sign(key []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts.Unix(), body))
}

func mac(key []byte, id string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(unix, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// SignedHeaders returns the three webhook headers for a message sent at ts.
func SignedHeaders(key []byte, id string, ts time.Time, body []byte) map[string]string {
	return map[string]string{
		HeaderID:        id,
		HeaderTimestamp: strconv.FormatInt(ts.Unix(), 10),
		HeaderSignature: Sign(key, id, ts, body),
	}
}

// Verify checks a received webhook as a receiver should: the headers are
// present, the timestamp is within tolerance of now (against replays), and
// one of the space-separated v1 signatures matches, compared in constant
// time. Errors wrap ErrInvalidSignature.
func Verify(key []byte, h http.Header, body []byte, tolerance time.Duration) error {
	return verifyAt(key, h, body, tolerance, time.Now())
}

func verifyAt(key []byte, h http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: missing header", ErrInvalidSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", ErrInvalidSignature)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp outside tolerance", ErrInvalidSignature)
	}
	want := mac(key, id, unix, body)
	for _, sig := range strings.Fields(sigs) {
		version, value, _ := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(value)
		if version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no signature matches", ErrInvalidSignature)
}
