package registry

import (
	"bytes"
	"context"
	"time"
)

// PluginRecord is a published plugin as a Store keeps it. Its JSON is the
// bbolt store's on-disk format, so fields are only ever added.
type PluginRecord struct {
	Name string `json:"name"`
	// Publisher owns the name: every version must come from it.
	Publisher string `json:"publisher"`
	// Active is the version serving calls, "" if none was approved.
	Active string `json:"active,omitempty"`
	// Enabled is false once an admin disabled the plugin.
	Enabled bool `json:"enabled"`
	// Versions are in submission order.
	Versions []VersionRecord `json:"versions"`
}

// VersionRecord is one submitted version. The manifest and the module are
// blobs, kept by the SHA-256 of their content.
type VersionRecord struct {
	Version        string `json:"version"`
	ManifestSHA256 string `json:"manifest_sha256"`
	WasmSHA256     string `json:"wasm_sha256"`
	// Size is the module's size in bytes.
	Size int64 `json:"size"`
	// SignatureKey and Signature are the publisher's ed25519 public key and
	// signature, empty for an unsigned bundle.
	SignatureKey []byte    `json:"signature_key,omitempty"`
	Signature    []byte    `json:"signature,omitempty"`
	Status       Status    `json:"status"`
	Reason       string    `json:"reason,omitempty"`
	SubmittedAt  time.Time `json:"submitted_at"`
	SubmittedBy  string    `json:"submitted_by"`
	ReviewedAt   time.Time `json:"reviewed_at,omitzero"`
	ReviewedBy   string    `json:"reviewed_by,omitempty"`
}

// PublisherRecord is what an admin decided about a publisher.
type PublisherRecord struct {
	Name             string       `json:"name"`
	Keys             []TrustedKey `json:"keys,omitempty"`
	RequireSignature bool         `json:"require_signature"`
	// Owners are the OAuth client ids whose publisher credentials may
	// submit under this name: the first to submit, then whom an admin sets.
	Owners []string `json:"owners,omitempty"`
}

// TrustedKey is an ed25519 public key an admin trusts for a publisher.
type TrustedKey struct {
	ID        string    `json:"id"`
	PublicKey []byte    `json:"public_key"`
	AddedBy   string    `json:"added_by"`
	AddedAt   time.Time `json:"added_at"`
}

// Store persists the registry. Implementations must be safe for concurrent
// use and pass registrytest.TestStore. Errors for missing records wrap
// ErrNotFound.
type Store interface {
	// GetPlugin returns the plugin called name.
	GetPlugin(ctx context.Context, name string) (PluginRecord, error)
	// ListPlugins returns every plugin, by name.
	ListPlugins(ctx context.Context) ([]PluginRecord, error)
	// UpdatePlugin applies fn to the plugin called name (a record holding
	// only the name if there is none yet) and stores the result together
	// with blobs, in one transaction with respect to other updates. Each
	// blob is kept under the lowercase hex SHA-256 of its content. An error
	// from fn stores nothing and is returned (wrapped); so is a change of
	// the name.
	UpdatePlugin(ctx context.Context, name string, fn func(*PluginRecord) error, blobs ...[]byte) (PluginRecord, error)
	// GetBlob returns the blob whose SHA-256 is sha256hex.
	GetBlob(ctx context.Context, sha256hex string) ([]byte, error)
	// DeleteBlob removes the blob whose SHA-256 is sha256hex; removing a
	// missing blob is not an error.
	DeleteBlob(ctx context.Context, sha256hex string) error
	// GetPublisher returns the publisher called name.
	GetPublisher(ctx context.Context, name string) (PublisherRecord, error)
	// ListPublishers returns every publisher, by name.
	ListPublishers(ctx context.Context) ([]PublisherRecord, error)
	// UpdatePublisher is UpdatePlugin for publishers, without blobs.
	UpdatePublisher(ctx context.Context, name string, fn func(*PublisherRecord) error) (PublisherRecord, error)
}

// find returns the index of version in p, or -1.
func (p *PluginRecord) find(version string) int {
	for i := range p.Versions {
		if p.Versions[i].Version == version {
			return i
		}
	}
	return -1
}

// trusts reports whether key is one of p's trusted keys.
func (p PublisherRecord) trusts(key []byte) bool {
	for _, k := range p.Keys {
		if len(key) > 0 && bytes.Equal(k.PublicKey, key) {
			return true
		}
	}
	return false
}
