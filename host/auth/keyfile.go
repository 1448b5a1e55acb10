package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrGeneratedKeyInProduction is returned when ENVIRONMENT=production and no
// signing key was given in JWT_PRIVATE_KEY.
var ErrGeneratedKeyInProduction = errors.New("production needs JWT_PRIVATE_KEY: generated signing keys are refused")

// KeyFileName is the signing key file generated in the data directory.
const KeyFileName = "jwt-signing.pem"

// retireHeader is the PEM header of a previous public key in the key file.
const retireHeader = "Retire-After"

// loadKeys builds the key set: from the PEM in cfg when given, else from the
// key file in the data directory, generated on first use.
func loadKeys(cfg Config, now func() time.Time) (*KeySet, error) {
	ks := &KeySet{keep: cfg.TokenLifetime + clockLeeway, now: now}
	if strings.TrimSpace(cfg.PrivateKeyPEM) != "" {
		st, err := keysFromPEM(cfg.PrivateKeyPEM, cfg.PublicKeyPEM)
		if err != nil {
			return nil, err
		}
		ks.state.Store(st)
		return ks, nil
	}
	if cfg.PublicKeyPEM != "" {
		return nil, errors.New("JWT_PUBLIC_KEY given without JWT_PRIVATE_KEY")
	}
	if cfg.production() {
		return nil, ErrGeneratedKeyInProduction
	}
	ks.path = filepath.Join(cfg.DataDir, KeyFileName)
	st, err := loadOrGenerateKeyFile(ks.path, now())
	if err != nil {
		return nil, err
	}
	ks.state.Store(st)
	return ks, nil
}

// keysFromPEM parses the configured private key and checks that the public
// key, when given, is its own.
func keysFromPEM(privPEM, pubPEM string) (*keyState, error) {
	priv, err := parsePrivateKey([]byte(unescapeNewlines(privPEM)))
	if err != nil {
		return nil, fmt.Errorf("parse JWT_PRIVATE_KEY: %w", err)
	}
	sk, err := newSigningKey(priv)
	if err != nil {
		return nil, fmt.Errorf("parse JWT_PRIVATE_KEY: %w", err)
	}
	if strings.TrimSpace(pubPEM) != "" {
		pub, err := parsePublicKey([]byte(unescapeNewlines(pubPEM)))
		if err != nil {
			return nil, fmt.Errorf("parse JWT_PUBLIC_KEY: %w", err)
		}
		if !publicEqual(pub, priv.Public()) {
			return nil, errors.New("JWT_PUBLIC_KEY does not match JWT_PRIVATE_KEY")
		}
	}
	return &keyState{current: sk}, nil
}

// unescapeNewlines turns the literal "\n" that env files often carry into
// newlines, when the value has no real ones.
func unescapeNewlines(s string) string {
	if strings.Contains(s, "\n") {
		return s
	}
	return strings.ReplaceAll(s, `\n`, "\n")
}

func publicEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// parsePrivateKey reads the first PEM block: PKCS#8, SEC 1 or PKCS#1.
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, ErrUnsupportedKey
	}
	return signer, nil
}

func parsePublicKey(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("no PUBLIC KEY PEM block")
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}

// loadOrGenerateKeyFile reads the key file, or creates it with a fresh ES256
// key if it does not exist.
func loadOrGenerateKeyFile(path string, now time.Time) (*keyState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		priv, err := generateKey(nil)
		if err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
		sk, err := newSigningKey(priv)
		if err != nil {
			return nil, err
		}
		st := &keyState{current: sk}
		if err := writeKeyFile(path, st); err != nil {
			return nil, err
		}
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	st, err := parseKeyFile(data, now)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return st, nil
}

// parseKeyFile reads the current private key (first block) and the previous
// public keys that are not yet retired.
func parseKeyFile(data []byte, now time.Time) (*keyState, error) {
	priv, err := parsePrivateKey(data)
	if err != nil {
		return nil, err
	}
	sk, err := newSigningKey(priv)
	if err != nil {
		return nil, err
	}
	st := &keyState{current: sk}
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type != "PUBLIC KEY" {
			continue
		}
		vk, err := parsePreviousKey(block)
		if err != nil {
			return nil, err
		}
		if now.Before(vk.retireAt) {
			st.previous = append(st.previous, vk)
		}
	}
	return st, nil
}

func parsePreviousKey(block *pem.Block) (verifyKey, error) {
	retire, err := time.Parse(time.RFC3339, block.Headers[retireHeader])
	if err != nil {
		return verifyKey{}, fmt.Errorf("previous key: bad %s: %w", retireHeader, err)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return verifyKey{}, fmt.Errorf("previous key: %w", err)
	}
	var method jwt.SigningMethod
	switch pub.(type) {
	case *ecdsa.PublicKey:
		method = jwt.SigningMethodES256
	case *rsa.PublicKey:
		method = jwt.SigningMethodRS256
	default:
		return verifyKey{}, ErrUnsupportedKey
	}
	vk, err := newVerifyKey(pub, method)
	if err != nil {
		return verifyKey{}, err
	}
	vk.retireAt = retire
	return vk, nil
}

// writeKeyFile saves st atomically with mode 0600: the private key first, then
// each previous public key with its retirement time.
func writeKeyFile(path string, st *keyState) error {
	der, err := x509.MarshalPKCS8PrivateKey(st.current.private)
	if err != nil {
		return fmt.Errorf("encode signing key: %w", err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, p := range st.previous {
		der, err := x509.MarshalPKIXPublicKey(p.public)
		if err != nil {
			return fmt.Errorf("encode previous key: %w", err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{
			Type:    "PUBLIC KEY",
			Headers: map[string]string{retireHeader: p.retireAt.UTC().Format(time.RFC3339)},
			Bytes:   der,
		})...)
	}
	return writeFileAtomic(path, out)
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jwt-signing-*")
	if err != nil {
		return fmt.Errorf("write signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write signing key: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write signing key: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write signing key: %w", err)
	}
	return nil
}
