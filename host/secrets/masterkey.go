package secrets

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

// MasterKeyEnv is the environment variable holding the base64 master key.
const MasterKeyEnv = "SAA_MASTER_KEY"

// masterKeyFile is the generated key's file name in the data dir.
const masterKeyFile = "master.key"

// ErrMasterKey is returned for a master key that is missing where it is
// required, not valid base64, or not exactly 32 bytes.
var ErrMasterKey = errors.New("invalid master key")

// LoadMasterKey returns the master key: from SAA_MASTER_KEY (base64 of
// exactly 32 bytes) if set; otherwise, outside production, from
// <dataDir>/master.key, generated on first use with mode 0600. Production
// requires SAA_MASTER_KEY: a key generated next to the data it protects
// protects nothing against a copy of the data dir.
func LoadMasterKey(dataDir string, getenv func(string) string, production bool) ([]byte, error) {
	return LoadKey(dataDir, masterKeyFile, MasterKeyEnv, getenv, production)
}

// LoadKey returns a 32-byte server key the way LoadMasterKey does, from the
// environment variable env or the data dir's file: the one careful
// implementation for every key SAA generates (the master key, the webhook
// key). Errors wrap ErrMasterKey and never quote the key.
func LoadKey(dataDir, file, env string, getenv func(string) string, production bool) ([]byte, error) {
	if v := strings.TrimSpace(getenv(env)); v != "" {
		key, err := parseMasterKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", env, err)
		}
		return key, nil
	}
	if production {
		return nil, fmt.Errorf("%s is required in production: %w", env, ErrMasterKey)
	}
	return loadOrCreateKeyFile(filepath.Join(dataDir, file))
}

// parseMasterKey decodes base64 (standard or URL alphabet, padded or not)
// of exactly MasterKeySize bytes. Its errors never quote the input.
func parseMasterKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != MasterKeySize {
			return nil, fmt.Errorf("decodes to %d bytes, want %d: %w", len(key), MasterKeySize, ErrMasterKey)
		}
		return key, nil
	}
	return nil, fmt.Errorf("not base64: %w", ErrMasterKey)
}

// loadOrCreateKeyFile reads the key file, creating it if absent.
func loadOrCreateKeyFile(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Created here, or by a concurrent process that won the race: read it.
	return readKeyFile(path)
}

// readKeyFile reads a key file, refusing one that others may read.
func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key %s has mode %04o, want 0600: %w", path, perm, ErrMasterKey)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	key, err := parseMasterKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a fresh random key to path, atomically: the key is
// written and synced to a temporary file (created with O_EXCL, mode 0600),
// then linked to path, which fails with fs.ErrExist rather than replace an
// existing key. No reader can ever see a partial file.
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	key := make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*") // O_EXCL, mode 0600
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	return nil
}
