package registry

import (
	"context"
	"fmt"
)

// List returns every published plugin with its versions.
func (r *Registry) List(ctx context.Context) ([]Plugin, error) {
	recs, err := r.store.ListPlugins(ctx)
	if err != nil {
		return nil, fmt.Errorf("list plugins: %w", err)
	}
	out := make([]Plugin, 0, len(recs))
	for _, p := range recs {
		v, err := r.pluginView(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns the published plugin called name.
func (r *Registry) Get(ctx context.Context, name string) (Plugin, error) {
	p, err := r.plugin(ctx, name)
	if err != nil {
		return Plugin{}, err
	}
	return r.pluginView(ctx, p)
}

// Version returns one version of a published plugin, with its review and
// its diff against the active version.
func (r *Registry) Version(ctx context.Context, name, version string) (Version, error) {
	p, err := r.plugin(ctx, name)
	if err != nil {
		return Version{}, err
	}
	i := p.find(version)
	if i < 0 {
		return Version{}, fmt.Errorf("plugin %q version %q: %w", name, version, ErrNotFound)
	}
	pub, err := r.publisher(ctx, p.Publisher)
	if err != nil {
		return Version{}, err
	}
	return r.view(ctx, p, p.Versions[i], pub)
}

// pluginView builds a Plugin with its versions newest first.
func (r *Registry) pluginView(ctx context.Context, p PluginRecord) (Plugin, error) {
	pub, err := r.publisher(ctx, p.Publisher)
	if err != nil {
		return Plugin{}, err
	}
	out := Plugin{Name: p.Name, Publisher: p.Publisher, Active: p.Active, Enabled: p.Enabled, Versions: make([]Version, 0, len(p.Versions))}
	for i := len(p.Versions) - 1; i >= 0; i-- {
		v, err := r.view(ctx, p, p.Versions[i], pub)
		if err != nil {
			return Plugin{}, err
		}
		out.Versions = append(out.Versions, v)
	}
	return out, nil
}

// view builds the Version of v, diffed against p's active version.
func (r *Registry) view(ctx context.Context, p PluginRecord, v VersionRecord, pub PublisherRecord) (Version, error) {
	m, err := r.manifest(ctx, v.ManifestSHA256)
	if err != nil {
		return Version{}, fmt.Errorf("plugin %q version %q: %w", p.Name, v.Version, err)
	}
	out := Version{
		Plugin: p.Name, Version: v.Version, Publisher: p.Publisher, SHA256: v.WasmSHA256, Size: v.Size,
		Manifest: m, Signature: signatureOf(v, pub), Status: v.Status, Reason: v.Reason,
		SubmittedAt: v.SubmittedAt, SubmittedBy: v.SubmittedBy, ReviewedAt: v.ReviewedAt, ReviewedBy: v.ReviewedBy,
		Active: p.Active == v.Version, Review: reviewOf(m),
	}
	if i := p.find(p.Active); i >= 0 && !out.Active {
		base, err := r.manifest(ctx, p.Versions[i].ManifestSHA256)
		if err != nil {
			return Version{}, fmt.Errorf("plugin %q version %q: %w", p.Name, p.Active, err)
		}
		out.Diff = Compare(base, m)
	}
	out.NeedsApproval = !out.Active && (out.Diff == nil || out.Diff.AsksForMore())
	return out, nil
}
