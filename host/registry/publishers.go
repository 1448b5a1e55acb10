package registry

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/secure-agent/saa/host/bundle"
)

// TrustKey adds pub to the keys an admin trusts for publisher's bundles.
// Adding a key already trusted changes nothing.
func (r *Registry) TrustKey(ctx context.Context, publisher string, pub ed25519.PublicKey, admin string) error {
	if err := checkPublisher(publisher); err != nil {
		return fmt.Errorf("trust key: %w", err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("trust key: %w: an ed25519 public key has %d bytes", ErrInvalidInput, ed25519.PublicKeySize)
	}
	id := bundle.KeyID(pub)
	now := r.now().UTC()
	r.mu.Lock()
	_, err := r.store.UpdatePublisher(ctx, publisher, func(p *PublisherRecord) error {
		if !p.trusts(pub) {
			p.Keys = append(p.Keys, TrustedKey{ID: id, PublicKey: pub, AddedBy: admin, AddedAt: now})
		}
		return nil
	})
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("trust key for %s: %w", publisher, err)
	}
	r.record(ctx, admin, "publisher.trust_key", "", fmt.Sprintf("publisher %s key %s", publisher, id))
	return nil
}

// RequireSignature sets whether publisher's bundles must carry a valid
// signature by a trusted key. It applies to submissions, approvals and
// rollbacks from now on; the active version keeps serving (disable it to
// stop it).
func (r *Registry) RequireSignature(ctx context.Context, publisher string, required bool, admin string) error {
	if err := checkPublisher(publisher); err != nil {
		return fmt.Errorf("require signature: %w", err)
	}
	r.mu.Lock()
	_, err := r.store.UpdatePublisher(ctx, publisher, func(p *PublisherRecord) error {
		p.RequireSignature = required
		return nil
	})
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("require signature for %s: %w", publisher, err)
	}
	r.record(ctx, admin, "publisher.require_signature", "", fmt.Sprintf("publisher %s require_signature=%t", publisher, required))
	return nil
}

// Publishers returns every publisher an admin made a decision about.
func (r *Registry) Publishers(ctx context.Context) ([]Publisher, error) {
	recs, err := r.store.ListPublishers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list publishers: %w", err)
	}
	out := make([]Publisher, 0, len(recs))
	for _, p := range recs {
		out = append(out, publisherView(p))
	}
	return out, nil
}

// checkPublisher refuses a name no bundle could carry.
func checkPublisher(name string) error {
	if !publisherName.MatchString(name) {
		return fmt.Errorf("%w: publisher %q must match %s", ErrInvalidInput, name, publisherName)
	}
	return nil
}

// Publisher returns what an admin decided about one publisher; a publisher
// nobody decided about has no keys and no requirement.
func (r *Registry) Publisher(ctx context.Context, name string) (Publisher, error) {
	p, err := r.publisher(ctx, name)
	if err != nil {
		return Publisher{}, err
	}
	return publisherView(p), nil
}

func publisherView(p PublisherRecord) Publisher {
	keys := make([]string, 0, len(p.Keys))
	for _, k := range p.Keys {
		keys = append(keys, k.ID)
	}
	owners := append([]string{}, p.Owners...)
	return Publisher{Name: p.Name, Keys: keys, RequireSignature: p.RequireSignature, Owners: owners}
}
