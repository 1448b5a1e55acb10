package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/manifests"
)

// ErrForbidden means the submitter may not publish under the manifest's
// publisher: another client owns it.
var ErrForbidden = errors.New("not an owner of the publisher")

// ErrBusy means too many bundles were being read to start another within
// Config.ParseWait; nothing was read. Retry shortly.
var ErrBusy = errors.New("too many bundles are being processed; retry shortly")

// Defaults of the bundle-parsing bounds.
const (
	// DefaultMaxParses bounds the bundles read at once. Each may hold a
	// module of up to 64 MiB in memory.
	DefaultMaxParses = 2
	// DefaultParseWait is how long a submission waits for its turn.
	DefaultParseWait = 3 * time.Second
	// DefaultPendingQuota bounds one submitter's pending versions.
	DefaultPendingQuota = 10
	// DefaultPendingBytes bounds the modules of one submitter's pending
	// versions.
	DefaultPendingBytes = 256 << 20
)

// maxPending bounds one publisher's pending versions, across its plugins,
// so that a publisher cannot fill the database with versions nobody
// reviews; its owners are the only clients who can fill it.
const maxPending = 10

// clientPrefix starts the SubmittedBy of a version submitted with a token.
const clientPrefix = "client:"

// admit checks everything about a submission that the manifest and the
// module's size decide: the names, the submitter's right to the publisher,
// the version number, the publisher's pending queue and the submitter's
// quota of pending bundles.
func (r *Registry) admit(ctx context.Context, m *manifests.Manifest, moduleSize int64, who Submitter) error {
	if err := r.checkPublishable(m.Name, m.Publisher); err != nil {
		return err
	}
	pub, err := r.publisher(ctx, m.Publisher)
	if err != nil {
		return err
	}
	all, err := r.store.ListPlugins(ctx)
	if err != nil {
		return fmt.Errorf("list plugins: %w", err)
	}
	if err := checkOwner(pub, all, who); err != nil {
		return err
	}
	pending, use := 0, quota.Usage{}
	for i := range all {
		p := &all[i]
		if p.Name == m.Name {
			if err := checkVersion(p, m.Publisher, m.Version); err != nil {
				return err
			}
		}
		for _, v := range p.Versions {
			if v.Status != StatusPending {
				continue
			}
			if p.Publisher == m.Publisher {
				pending++
			}
			if v.SubmittedBy == who.Name {
				use.Count++
				use.Bytes += v.Size
			}
		}
	}
	if pending >= maxPending {
		return fmt.Errorf("%w: %d versions of publisher %q are already pending review", ErrConflict, pending, m.Publisher)
	}
	return r.quota.Check(quota.StoreBundles, use, 1, moduleSize)
}

// checkOwner refuses a publisher credential that does not own pub. A
// publisher nobody owns yet is claimed by its first submitter, except one
// whose versions were submitted before owners were recorded: only the
// clients that submitted them may claim it.
func checkOwner(pub PublisherRecord, all []PluginRecord, who Submitter) error {
	if who.Owner == "" {
		return nil
	}
	owners := pub.Owners
	if len(owners) == 0 {
		owners = earlySubmitters(pub.Name, all)
	}
	if len(owners) == 0 || slices.Contains(owners, who.Owner) {
		return nil
	}
	return fmt.Errorf("%w: publisher %q belongs to other clients; an admin can add this one (PUT /publishers/%s/owners)", ErrForbidden, pub.Name, pub.Name)
}

// earlySubmitters returns the clients that submitted versions of
// publisher's plugins.
func earlySubmitters(publisher string, all []PluginRecord) []string {
	var out []string
	for _, p := range all {
		if p.Publisher != publisher {
			continue
		}
		for _, v := range p.Versions {
			if id, ok := strings.CutPrefix(v.SubmittedBy, clientPrefix); ok && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// claim records who as the first owner of pub if pub has none. The caller
// holds r.mu.
func (r *Registry) claim(ctx context.Context, pub PublisherRecord, who Submitter) (PublisherRecord, error) {
	if who.Owner == "" || len(pub.Owners) > 0 {
		return pub, nil
	}
	pub, err := r.store.UpdatePublisher(ctx, pub.Name, func(p *PublisherRecord) error {
		if len(p.Owners) == 0 {
			p.Owners = []string{who.Owner}
		}
		return nil
	})
	if err != nil {
		return PublisherRecord{}, fmt.Errorf("claim publisher %s: %w", pub.Name, err)
	}
	r.record(ctx, who.Name, "publisher.claim", "", fmt.Sprintf("publisher %s owners %s", pub.Name, strings.Join(pub.Owners, ",")))
	return pub, nil
}

// maxOwners bounds a publisher's owners; maxOwnerLen one client id.
const (
	maxOwners   = 100
	maxOwnerLen = 200
)

// SetOwners replaces the OAuth clients allowed to publish under publisher.
// An empty list lets the next publisher credential claim it. Admin
// submissions are not bound by owners.
func (r *Registry) SetOwners(ctx context.Context, publisher string, owners []string, admin string) error {
	if err := checkPublisher(publisher); err != nil {
		return fmt.Errorf("set owners: %w", err)
	}
	clean, err := cleanOwners(owners)
	if err != nil {
		return fmt.Errorf("set owners of %s: %w", publisher, err)
	}
	r.mu.Lock()
	_, err = r.store.UpdatePublisher(ctx, publisher, func(p *PublisherRecord) error {
		p.Owners = clean
		return nil
	})
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("set owners of %s: %w", publisher, err)
	}
	r.record(ctx, admin, "publisher.set_owners", "", fmt.Sprintf("publisher %s owners %s", publisher, strings.Join(clean, ",")))
	return nil
}

func cleanOwners(owners []string) ([]string, error) {
	if len(owners) > maxOwners {
		return nil, fmt.Errorf("%w: at most %d owners", ErrInvalidInput, maxOwners)
	}
	out := []string{}
	for _, o := range owners {
		if o == "" || len(o) > maxOwnerLen || strings.ContainsFunc(o, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			return nil, fmt.Errorf("%w: an owner is an OAuth client id", ErrInvalidInput)
		}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// gate bounds how many bundles are read at once.
type gate chan struct{}

// acquire takes a slot, waiting at most wait; release gives it back.
func (g gate) acquire(ctx context.Context, wait time.Duration) (release func(), err error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return func() { <-g }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
