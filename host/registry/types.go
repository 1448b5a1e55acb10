package registry

import (
	"time"

	"github.com/secure-agent/saa/manifests"
)

// Status of one submitted version.
type Status string

// The statuses of a version. Only an approved version ever runs.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
)

// Signature is what the registry knows of a version's publisher signature.
type Signature struct {
	// Signed is true when the bundle carried a signature.
	Signed bool `json:"signed"`
	// KeyID is the fingerprint of the publisher's key (bundle.KeyID).
	KeyID string `json:"key_id,omitempty"`
	// Valid is true when the signature verifies over the manifest and the
	// module's SHA-256.
	Valid bool `json:"valid"`
	// Trusted is true when the key is one an admin trusts for the publisher.
	Trusted bool `json:"trusted"`
}

// Version is one submitted version, with everything its review shows.
type Version struct {
	Plugin    string `json:"plugin"`
	Version   string `json:"version"`
	Publisher string `json:"publisher"`
	// SHA256 is the module's digest and Size its length in bytes.
	SHA256      string              `json:"sha256"`
	Size        int64               `json:"size"`
	Manifest    *manifests.Manifest `json:"manifest"`
	Signature   Signature           `json:"signature"`
	Status      Status              `json:"status"`
	Reason      string              `json:"reason,omitempty"`
	SubmittedAt time.Time           `json:"submitted_at"`
	SubmittedBy string              `json:"submitted_by"`
	ReviewedAt  time.Time           `json:"reviewed_at,omitzero"`
	ReviewedBy  string              `json:"reviewed_by,omitempty"`
	// Active is true for the version serving calls (when the plugin is
	// enabled).
	Active bool `json:"active"`
	// NeedsApproval is true when making this version active grants more
	// than the active version does: it is the first, or its Diff asks for
	// more. Every version starts pending and needs an admin's approval
	// whatever this says (new code is new code); false lets the review say
	// "no new capabilities".
	NeedsApproval bool `json:"needs_approval"`
	// Diff compares the version with the active one; nil when there is no
	// active version or this is it.
	Diff *Diff `json:"diff"`
	// Review is the manifest's requests, ready to show.
	Review Review `json:"review"`
}

// Plugin is a published plugin and its versions.
type Plugin struct {
	Name      string `json:"name"`
	Publisher string `json:"publisher"`
	// Active is the version serving calls, "" if none.
	Active string `json:"active"`
	// Enabled is false when an admin disabled the plugin: nothing serves.
	Enabled bool `json:"enabled"`
	// Versions are newest first.
	Versions []Version `json:"versions"`
}

// Publisher is what an admin decided about a publisher.
type Publisher struct {
	Name string `json:"name"`
	// Keys are the IDs of the trusted keys.
	Keys             []string `json:"keys"`
	RequireSignature bool     `json:"require_signature"`
	// Owners are the OAuth client ids allowed to publish under the name.
	Owners []string `json:"owners"`
}
