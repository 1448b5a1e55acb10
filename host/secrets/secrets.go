// Package secrets stores the values SAA injects into plugins' outbound
// requests (see host/egress). Values are sealed with AES-256-GCM under the
// operator's master key before they reach a Backend, so a copied database
// holds no usable secret, and they are namespaced per plugin: a plugin that
// declares a secret called "token" gets its own, never another plugin's.
//
// This package must never log a value, return one from List, or put one in an
// error message. It does not decide who may read a secret: the runtime asks
// for a plugin's secret only at egress, for a header the manifest declared.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned when a secret, or a sealed blob in a Backend, does
// not exist.
var ErrNotFound = errors.New("secret not found")

// ErrInvalidName is returned for a plugin or secret name that is not an
// identifier (a lowercase letter, then 1 to 31 of [a-z0-9_], as in manifests).
var ErrInvalidName = errors.New("invalid name")

// Backend keeps sealed blobs by key. Keys are opaque to it. GetSealed and
// DeleteSealed return an error wrapping ErrNotFound for a missing key;
// ListSealed returns every key in byte order (empty, not an error, when there
// are none). Implementations copy what they are given and what they return,
// and are safe for concurrent use. secretstest.TestBackend checks all of this.
type Backend interface {
	PutSealed(ctx context.Context, key string, sealed []byte) error
	GetSealed(ctx context.Context, key string) ([]byte, error)
	DeleteSealed(ctx context.Context, key string) error
	ListSealed(ctx context.Context) ([]string, error)
}

// Ref names a stored secret, never its value.
type Ref struct {
	Plugin string `json:"plugin"`
	Name   string `json:"name"`
}

// Store seals secrets into a Backend. It implements egress.SecretSource.
type Store struct {
	b    Backend
	seal *sealer
}

// New returns a Store over b sealing with masterKey (32 bytes, see
// LoadMasterKey).
func New(b Backend, masterKey []byte) (*Store, error) {
	s, err := newSealer(masterKey)
	if err != nil {
		return nil, err
	}
	return &Store{b: b, seal: s}, nil
}

// Put stores value as the secret name of plugin, replacing any previous one.
func (s *Store) Put(ctx context.Context, plugin, name, value string) error {
	key, err := keyOf(plugin, name)
	if err != nil {
		return err
	}
	sealed, err := s.seal.seal(key, []byte(value))
	if err != nil {
		return fmt.Errorf("seal secret %s: %w", key, err)
	}
	if err := s.b.PutSealed(ctx, key, sealed); err != nil {
		return fmt.Errorf("put secret %s: %w", key, err)
	}
	return nil
}

// Get returns the value of plugin's secret name, or an error wrapping
// ErrNotFound.
func (s *Store) Get(ctx context.Context, plugin, name string) (string, error) {
	key, err := keyOf(plugin, name)
	if err != nil {
		return "", err
	}
	sealed, err := s.b.GetSealed(ctx, key)
	if err != nil {
		return "", fmt.Errorf("get secret %s: %w", key, err)
	}
	value, err := s.seal.open(key, sealed)
	if err != nil {
		return "", fmt.Errorf("open secret %s: %w", key, err)
	}
	return string(value), nil
}

// Delete removes plugin's secret name, or returns an error wrapping ErrNotFound.
func (s *Store) Delete(ctx context.Context, plugin, name string) error {
	key, err := keyOf(plugin, name)
	if err != nil {
		return err
	}
	if err := s.b.DeleteSealed(ctx, key); err != nil {
		return fmt.Errorf("delete secret %s: %w", key, err)
	}
	return nil
}

// List returns every stored secret's plugin and name, sorted, without values.
// Keys that are not this package's (foreign data in the backend) are skipped.
func (s *Store) List(ctx context.Context) ([]Ref, error) {
	keys, err := s.b.ListSealed(ctx)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	refs := make([]Ref, 0, len(keys))
	for _, k := range keys {
		plugin, name, ok := strings.Cut(k, "/")
		if ok && validName(plugin) && validName(name) {
			refs = append(refs, Ref{Plugin: plugin, Name: name})
		}
	}
	return refs, nil
}

// keyOf returns the backend key of plugin's secret name: "plugin/name".
func keyOf(plugin, name string) (string, error) {
	if !validName(plugin) {
		return "", fmt.Errorf("plugin %q: %w", plugin, ErrInvalidName)
	}
	if !validName(name) {
		return "", fmt.Errorf("secret %q: %w", name, ErrInvalidName)
	}
	return plugin + "/" + name, nil
}

// validName matches ^[a-z][a-z0-9_]{1,31}$, the manifests' identifier.
func validName(s string) bool {
	if len(s) < 2 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
