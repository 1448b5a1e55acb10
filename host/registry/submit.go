package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"

	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/hostscope"
	"github.com/secure-agent/saa/manifests"
)

// publisherName is what a published bundle's publisher must look like: it
// keys trusted signing keys, so it admits no look-alikes.
var publisherName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Submitter is who submits a bundle.
type Submitter struct {
	// Name is recorded as the version's SubmittedBy (the admin's name, or
	// "client:<id>" for a token); it also keys the pending-bundle quota.
	Name string
	// Owner is the OAuth client id of a publisher credential. It must be an
	// owner of the manifest's publisher, or becomes its first owner if the
	// publisher has none. Empty for an admin, who may submit for anyone.
	Owner string
}

// Submit is SubmitFrom for a bundle in memory, submitted by an admin.
func (r *Registry) Submit(ctx context.Context, data []byte, submittedBy string) (Version, error) {
	return r.SubmitFrom(ctx, bytes.NewReader(data), int64(len(data)), Submitter{Name: submittedBy})
}

// SubmitFrom reads a bundle of exactly size bytes from body, verifies it
// and stores it as a pending version of its plugin. Nothing of it runs until
// an admin approves it.
//
// Memory is bounded: at most Config.MaxParses bundles are read at once (a
// submission that cannot start within Config.ParseWait fails with ErrBusy,
// before reading anything), and the publisher's ownership, the plugin's
// name and versions, the pending queue and the submitter's quota are
// checked from the manifest before the module is inflated.
func (r *Registry) SubmitFrom(ctx context.Context, body io.Reader, size int64, who Submitter) (Version, error) {
	if size > r.max {
		return Version{}, fmt.Errorf("submit: %w: %w: %d bytes, limit %d", ErrInvalidBundle, ErrTooLarge, size, r.max)
	}
	release, err := r.parses.acquire(ctx, r.parseWait)
	if err != nil {
		return Version{}, fmt.Errorf("submit: %w", err)
	}
	defer release()
	precheck := func(m *manifests.Manifest, moduleSize int64) error {
		return r.admit(ctx, m, moduleSize, who)
	}
	b, err := bundle.Read(body, size, bundle.Limits{MaxBundle: r.max}, precheck)
	switch {
	case errors.Is(err, bundle.ErrInvalid):
		return Version{}, fmt.Errorf("submit: %w: %w", ErrInvalidBundle, err)
	case err != nil:
		return Version{}, fmt.Errorf("submit: %w", err)
	}
	return r.keep(ctx, b, who)
}

// keep records a verified bundle as a pending version, checking again
// under the registry's lock what admit checked without it.
func (r *Registry) keep(ctx context.Context, b *bundle.Bundle, who Submitter) (Version, error) {
	m := b.Manifest
	rec := r.newVersion(b, who.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.admit(ctx, m, rec.Size, who); err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	pub, err := r.publisher(ctx, m.Publisher)
	if err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	if err := checkSignature(pub, rec); err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	var replaced string
	p, err := r.store.UpdatePlugin(ctx, m.Name, func(p *PluginRecord) error {
		if i := p.find(rec.Version); i >= 0 {
			replaced = p.Versions[i].WasmSHA256
		}
		return addVersion(p, m.Publisher, rec)
	}, b.ManifestRaw, b.Wasm)
	if err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	r.dropModule(ctx, replaced)
	r.record(ctx, who.Name, "plugin.submit", m.Name, fmt.Sprintf("version %s sha256 %s %s", rec.Version, rec.WasmSHA256, signedText(rec)))
	if pub, err = r.claim(ctx, pub, who); err != nil {
		return Version{}, fmt.Errorf("submit %s %s: %w", m.Name, m.Version, err)
	}
	return r.view(ctx, p, rec, pub)
}

// checkPublishable refuses names that are local or reserved, and publisher
// names that are not plain identifiers.
func (r *Registry) checkPublishable(name, publisher string) error {
	switch {
	case r.isLocal(name):
		return fmt.Errorf("%w: %q is a local plugin; a published plugin may not replace it", ErrConflict, name)
	case hostscope.IsReserved(name):
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

// addVersion adds rec to p: the name stays with its first publisher and a
// version number is used once, except that a version rejected before it
// ever ran may be submitted again (it replaces the rejected record; the
// audit log keeps the rejection).
func addVersion(p *PluginRecord, publisher string, rec VersionRecord) error {
	if len(p.Versions) == 0 && p.Publisher == "" {
		p.Publisher, p.Enabled = publisher, true
	}
	if err := checkVersion(p, publisher, rec.Version); err != nil {
		return err
	}
	if i := p.find(rec.Version); i >= 0 {
		p.Versions = slices.Delete(p.Versions, i, i+1)
	}
	p.Versions = append(p.Versions, rec)
	return nil
}

// checkVersion refuses version of publisher for p if p belongs to another
// publisher or the version number is taken by a version that is pending or
// was approved.
func checkVersion(p *PluginRecord, publisher, version string) error {
	if p.Publisher != "" && p.Publisher != publisher {
		return fmt.Errorf("%w: plugin %q belongs to publisher %q", ErrConflict, p.Name, p.Publisher)
	}
	if i := p.find(version); i >= 0 && p.Versions[i].Status != StatusRejected {
		return fmt.Errorf("%w: version %s exists (%s); publish a new version number", ErrConflict, version, p.Versions[i].Status)
	}
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
