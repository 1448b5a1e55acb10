package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
)

// messagePrefix separates bundle signatures from every other use of a key.
const messagePrefix = "saa-plugin-bundle-v1\n"

// keyIDLen is the length of a key ID in hex digits (128 bits).
const keyIDLen = 32

// Signature is a publisher's ed25519 signature over a bundle's Message.
type Signature struct {
	// KeyID is KeyID(PublicKey), for display; trust compares whole keys.
	KeyID     string
	PublicKey ed25519.PublicKey
	Value     []byte
}

// signatureFile is the signature entry's JSON.
type signatureFile struct {
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// Message returns the signed message of a bundle whose manifest entry is
// manifestRaw and whose module's SHA-256 is wasmSHA256 (lowercase hex).
func Message(manifestRaw []byte, wasmSHA256 string) []byte {
	sum := sha256.Sum256(manifestRaw)
	return DigestMessage(hex.EncodeToString(sum[:]), wasmSHA256)
}

// DigestMessage returns the signed message from the two digests (lowercase
// hex), for a verifier that kept them rather than the bundle.
func DigestMessage(manifestSHA256, wasmSHA256 string) []byte {
	return []byte(messagePrefix + manifestSHA256 + "\n" + wasmSHA256)
}

// KeyID returns the ID of a public key: the first 32 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])[:keyIDLen]
}

// Sign signs b with priv and sets b.Signature.
func (b *Bundle) Sign(priv ed25519.PrivateKey) {
	pub := priv.Public().(ed25519.PublicKey)
	b.Signature = &Signature{KeyID: KeyID(pub), PublicKey: pub, Value: ed25519.Sign(priv, b.Message())}
}

// Verify reports whether s is a valid signature of message by its key.
func (s *Signature) Verify(message []byte) bool {
	return len(s.PublicKey) == ed25519.PublicKeySize && ed25519.Verify(s.PublicKey, message, s.Value)
}

// marshal encodes s as the signature entry.
func (s *Signature) marshal() []byte {
	out, _ := json.Marshal(signatureFile{
		KeyID:     s.KeyID,
		PublicKey: base64.StdEncoding.EncodeToString(s.PublicKey),
		Signature: base64.StdEncoding.EncodeToString(s.Value),
	})
	return out
}

// parseSignature decodes a signature entry strictly: known fields only,
// nothing after the object, a 32-byte key whose ID matches key_id and a
// 64-byte signature.
func parseSignature(data []byte) (*Signature, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f signatureFile
	if err := dec.Decode(&f); err != nil {
		return nil, errors.New("not the expected JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON object")
	}
	pub, err := base64.StdEncoding.Strict().DecodeString(f.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("public_key must be a base64 ed25519 public key")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(f.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("signature must be a base64 ed25519 signature")
	}
	if f.KeyID != KeyID(pub) {
		return nil, errors.New("key_id does not match public_key")
	}
	return &Signature{KeyID: f.KeyID, PublicKey: pub, Value: sig}, nil
}
