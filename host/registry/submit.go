package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"

	"github.com/secure-agent/saa/host/bundle"
)

// reservedNames may not be published: "plugins" would namespace a scope
// "plugins:publish", the scope that lets a client publish; "agents" and
// "runs" the scopes that run agents and approve their calls; "llm" is the
// secret namespace of LLM provider keys, which a plugin of that name could
// otherwise bind to its own hosts.
var reservedNames = []string{"plugins", "agents", "runs", "llm"}

// publisherName is what a published bundle's publisher must look like: it
// keys trusted signing keys, so it admits no look-alikes.
var publisherName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Submit parses and verifies a bundle and stores it as a pending version of
// its plugin. Nothing of it runs until an admin approves it. submittedBy
// names who submitted (the admin identity, "client:<id>" for a publisher
// credential).
func (r *Registry) Submit(ctx context.Context, data []byte, submittedBy string) (Version, error) {
	b, err := bundle.Parse(data, bundle.Limits{MaxBundle: r.max})
	if err != nil {
		return Version{}, fmt.Errorf("submit: %w: %w", ErrInvalidBundle, err)
	}
	m := b.Manifest
	if err := r.checkPublishable(m.Name, m.Publisher); err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	pub, err := r.publisher(ctx, m.Publisher)
	if err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	rec := r.newVersion(b, submittedBy)
	if err := checkSignature(pub, rec); err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	r.mu.Lock()
	p, err := r.store.UpdatePlugin(ctx, m.Name, func(p *PluginRecord) error {
		return addVersion(p, m.Publisher, rec)
	}, b.ManifestRaw, b.Wasm)
	r.mu.Unlock()
	if err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	r.record(ctx, submittedBy, "plugin.submit", m.Name, fmt.Sprintf("version %s sha256 %s %s", rec.Version, rec.WasmSHA256, signedText(rec)))
	return r.view(ctx, p, rec, pub)
}

// checkPublishable refuses names that are local or reserved, and publisher
// names that are not plain identifiers.
func (r *Registry) checkPublishable(name, publisher string) error {
	switch {
	case r.isLocal(name):
		return fmt.Errorf("%w: %q is a local plugin; a published plugin may not replace it", ErrConflict, name)
	case slices.Contains(reservedNames, name):
		return fmt.Errorf("%w: the name %q is reserved", ErrConflict, name)
	case !publisherName.MatchString(publisher):
		return fmt.Errorf("%w: publisher %q must match %s", ErrInvalidBundle, publisher, publisherName)
	}
	return nil
}

// newVersion builds the pending record of a parsed bundle.
func (r *Registry) newVersion(b *bundle.Bundle, submittedBy string) VersionRecord {
	sum := sha256.Sum256(b.ManifestRaw)
	rec := VersionRecord{
		Version: b.Manifest.Version, ManifestSHA256: hex.EncodeToString(sum[:]),
		WasmSHA256: b.Manifest.Wasm.SHA256, Size: int64(len(b.Wasm)),
		Status: StatusPending, SubmittedAt: r.now().UTC(), SubmittedBy: submittedBy,
	}
	if b.Signature != nil {
		rec.SignatureKey, rec.Signature = b.Signature.PublicKey, b.Signature.Value
	}
	return rec
}

// addVersion appends rec to p: the name stays with its first publisher,
// versions are unique and pending ones bounded.
func addVersion(p *PluginRecord, publisher string, rec VersionRecord) error {
	if len(p.Versions) == 0 && p.Publisher == "" {
		p.Publisher, p.Enabled = publisher, true
	}
	if p.Publisher != publisher {
		return fmt.Errorf("%w: plugin %q belongs to publisher %q", ErrConflict, p.Name, p.Publisher)
	}
	if p.find(rec.Version) >= 0 {
		return fmt.Errorf("%w: version %s exists; publish a new version number", ErrConflict, rec.Version)
	}
	pending := 0
	for _, v := range p.Versions {
		if v.Status == StatusPending {
			pending++
		}
	}
	if pending >= maxPending {
		return fmt.Errorf("%w: %d versions are already pending review", ErrConflict, pending)
	}
	p.Versions = append(p.Versions, rec)
	return nil
}

// checkSignature applies the publisher's policy to a version.
func checkSignature(pub PublisherRecord, v VersionRecord) error {
	if !pub.RequireSignature {
		return nil
	}
	sig := signatureOf(v, pub)
	switch {
	case !sig.Signed:
		return fmt.Errorf("%w: publisher %q requires signed bundles", ErrSignatureRequired, pub.Name)
	case !sig.Valid || !sig.Trusted:
		return fmt.Errorf("%w: key %s is not trusted for publisher %q", ErrSignatureRequired, sig.KeyID, pub.Name)
	}
	return nil
}

// signatureOf verifies a stored version's signature against its digests
// and the publisher's trusted keys.
func signatureOf(v VersionRecord, pub PublisherRecord) Signature {
	if len(v.SignatureKey) == 0 {
		return Signature{}
	}
	s := bundle.Signature{KeyID: bundle.KeyID(v.SignatureKey), PublicKey: v.SignatureKey, Value: v.Signature}
	valid := s.Verify(bundle.DigestMessage(v.ManifestSHA256, v.WasmSHA256))
	return Signature{Signed: true, KeyID: s.KeyID, Valid: valid, Trusted: valid && pub.trusts(v.SignatureKey)}
}

func signedText(v VersionRecord) string {
	if len(v.SignatureKey) == 0 {
		return "unsigned"
	}
	return "signed by key " + bundle.KeyID(v.SignatureKey)
}
