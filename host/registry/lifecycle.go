package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// maxReason bounds a rejection reason.
const maxReason = 1000

// Approve approves a pending version and makes it the active one: if the
// plugin is enabled, it serves new calls at once while calls in flight
// finish on the version before. The publisher's signature policy is
// checked again, as it stands now.
func (r *Registry) Approve(ctx context.Context, name, version, admin string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, v, err := r.versionRecord(ctx, name, version)
	if err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	if v.Status != StatusPending {
		return fmt.Errorf("approve %s %s: %w: the version is %s", name, version, ErrConflict, v.Status)
	}
	if err := r.checkSwitch(ctx, p, v); err != nil {
		return fmt.Errorf("approve %s %s: %w", name, version, err)
	}
	now := r.now().UTC()
	err = r.switchTo(ctx, p, v, func(p *PluginRecord) error {
		return p.update(version, func(v *VersionRecord) {
			v.Status, v.ReviewedAt, v.ReviewedBy = StatusApproved, now, admin
		})
	})
	if err != nil {
		return fmt.Errorf("approve %s %s: %w", name, version, err)
	}
	r.record(ctx, admin, "plugin.approve", name, "version "+version)
	return nil
}

// Reject rejects a pending version; it can never run.
func (r *Registry) Reject(ctx context.Context, name, version, admin, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	reason = cleanReason(reason)
	now := r.now().UTC()
	var module string
	_, err := r.store.UpdatePlugin(ctx, name, func(p *PluginRecord) error {
		i := p.find(version)
		switch {
		case i < 0:
			return fmt.Errorf("version %q: %w", version, ErrNotFound)
		case p.Versions[i].Status != StatusPending:
			return fmt.Errorf("%w: the version is %s", ErrConflict, p.Versions[i].Status)
		}
		v := &p.Versions[i]
		v.Status, v.Reason, v.ReviewedAt, v.ReviewedBy = StatusRejected, reason, now, admin
		module = v.WasmSHA256
		return nil
	})
	if err != nil {
		return fmt.Errorf("reject %s %s: %w", name, version, err)
	}
	r.dropModule(ctx, module)
	r.record(ctx, admin, "plugin.reject", name, "version "+version+": "+reason)
	return nil
}

// Disable stops a plugin at once: calls in flight finish, new calls find no
// such plugin. It stays disabled across restarts until Enable.
func (r *Registry) Disable(ctx context.Context, name, admin string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.managed(ctx, name); err != nil {
		return fmt.Errorf("disable: %w", err)
	}
	// Remove first: if the record cannot be written, the plugin is still
	// stopped until the next start, never the other way round.
	r.rt.Remove(name)
	_, err := r.store.UpdatePlugin(ctx, name, func(p *PluginRecord) error {
		p.Enabled = false
		return nil
	})
	if err != nil {
		return fmt.Errorf("disable %s: %w", name, err)
	}
	r.record(ctx, admin, "plugin.disable", name, "")
	return nil
}

// Enable lets a disabled plugin serve again, with its active version.
func (r *Registry) Enable(ctx context.Context, name, admin string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, err := r.managed(ctx, name)
	if err != nil {
		return fmt.Errorf("enable: %w", err)
	}
	// Installing even when enabled repairs a runtime that lost the plugin.
	if i := p.find(p.Active); i >= 0 {
		if err := r.installApproved(ctx, p.Versions[i]); err != nil {
			return fmt.Errorf("enable %s: %w", name, err)
		}
	}
	_, err = r.store.UpdatePlugin(ctx, name, func(p *PluginRecord) error {
		p.Enabled = true
		return nil
	})
	if err != nil {
		if !p.Enabled {
			r.rt.Remove(name)
		}
		return fmt.Errorf("enable %s: %w", name, err)
	}
	r.record(ctx, admin, "plugin.enable", name, "")
	return nil
}

// Rollback makes a previously approved version the active one again.
func (r *Registry) Rollback(ctx context.Context, name, version, admin string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, v, err := r.versionRecord(ctx, name, version)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	if v.Status != StatusApproved {
		return fmt.Errorf("rollback %s to %s: %w: the version is %s", name, version, ErrNotApproved, v.Status)
	}
	if err := r.checkSwitch(ctx, p, v); err != nil {
		return fmt.Errorf("rollback %s to %s: %w", name, version, err)
	}
	err = r.switchTo(ctx, p, v, func(p *PluginRecord) error { return p.update(version, func(*VersionRecord) {}) })
	if err != nil {
		return fmt.Errorf("rollback %s to %s: %w", name, version, err)
	}
	r.record(ctx, admin, "plugin.rollback", name, fmt.Sprintf("version %s (was %s)", version, orNone(p.Active)))
	return nil
}

// Restore installs every enabled plugin's active version into the runtime;
// call it once at start, after the local plugins are loaded. A plugin that
// fails does not stop the others; the errors are joined.
func (r *Registry) Restore(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	recs, err := r.store.ListPlugins(ctx)
	if err != nil {
		return fmt.Errorf("restore plugins: %w", err)
	}
	var errs []error
	for _, p := range recs {
		i := p.find(p.Active)
		switch {
		case !p.Enabled || i < 0:
			continue
		case r.isLocal(p.Name):
			r.log.WarnContext(ctx, "published plugin not restored: a local plugin has its name", logKeyPlugin, p.Name)
			continue
		}
		if err := r.installApproved(ctx, p.Versions[i]); err != nil {
			errs = append(errs, fmt.Errorf("restore %s %s: %w", p.Name, p.Active, err))
		}
	}
	return errors.Join(errs...)
}

// versionRecord returns a plugin's record and one of its versions.
func (r *Registry) versionRecord(ctx context.Context, name, version string) (PluginRecord, VersionRecord, error) {
	p, err := r.plugin(ctx, name)
	if err != nil {
		return PluginRecord{}, VersionRecord{}, err
	}
	i := p.find(version)
	if i < 0 {
		return PluginRecord{}, VersionRecord{}, fmt.Errorf("plugin %q version %q: %w", name, version, ErrNotFound)
	}
	return p, p.Versions[i], nil
}

// managed returns a plugin's record if the registry may drive it.
func (r *Registry) managed(ctx context.Context, name string) (PluginRecord, error) {
	p, err := r.plugin(ctx, name)
	if err != nil {
		return PluginRecord{}, err
	}
	if r.isLocal(name) {
		return PluginRecord{}, fmt.Errorf("%w: %q is a local plugin, not managed by the registry", ErrConflict, name)
	}
	return p, nil
}

// checkSwitch checks that v may become p's active version.
func (r *Registry) checkSwitch(ctx context.Context, p PluginRecord, v VersionRecord) error {
	if r.isLocal(p.Name) {
		return fmt.Errorf("%w: %q is a local plugin, not managed by the registry", ErrConflict, p.Name)
	}
	pub, err := r.publisher(ctx, p.Publisher)
	if err != nil {
		return err
	}
	return checkSignature(pub, v)
}

// switchTo makes v p's active version: in the runtime (if p is enabled),
// then in the store with change applied. If the store fails, the runtime
// goes back to p's previous state.
func (r *Registry) switchTo(ctx context.Context, p PluginRecord, v VersionRecord, change func(*PluginRecord) error) error {
	if p.Enabled {
		if err := r.install(ctx, v); err != nil {
			return err
		}
	}
	_, err := r.store.UpdatePlugin(ctx, p.Name, func(rec *PluginRecord) error {
		if err := change(rec); err != nil {
			return err
		}
		rec.Active = v.Version
		return nil
	})
	if err != nil && p.Enabled {
		r.revert(ctx, p)
	}
	return err
}

// revert puts p's recorded state back into the runtime, after a failed
// switch.
func (r *Registry) revert(ctx context.Context, p PluginRecord) {
	i := p.find(p.Active)
	if i < 0 {
		r.rt.Remove(p.Name)
		return
	}
	if err := r.install(ctx, p.Versions[i]); err != nil {
		r.rt.Remove(p.Name)
		r.log.ErrorContext(ctx, "revert failed; plugin stopped", logKeyPlugin, p.Name, logKeyVersion, p.Active, logKeyErr, err)
	}
}

// installApproved installs v, which must be approved.
func (r *Registry) installApproved(ctx context.Context, v VersionRecord) error {
	if v.Status != StatusApproved {
		return fmt.Errorf("version %s: %w: it is %s", v.Version, ErrNotApproved, v.Status)
	}
	return r.install(ctx, v)
}

// install loads v's manifest and module and installs them in the runtime,
// which verifies the module against the manifest's digest again.
func (r *Registry) install(ctx context.Context, v VersionRecord) error {
	m, err := r.manifest(ctx, v.ManifestSHA256)
	if err != nil {
		return err
	}
	code, err := r.store.GetBlob(ctx, v.WasmSHA256)
	if err != nil {
		return fmt.Errorf("load module %s: %w", v.WasmSHA256, err)
	}
	if err := r.rt.Install(ctx, m, code); err != nil {
		return fmt.Errorf("%w: %w", ErrInstall, err)
	}
	return nil
}

// update applies fn to the version called version.
func (p *PluginRecord) update(version string, fn func(*VersionRecord)) error {
	i := p.find(version)
	if i < 0 {
		return fmt.Errorf("version %q: %w", version, ErrNotFound)
	}
	fn(&p.Versions[i])
	return nil
}

// dropModule deletes the module sha unless a version that is not rejected
// uses it: a rejected version never runs, so its module is dead weight. Its
// manifest stays, for the review history. The caller holds r.mu. A failure
// leaves the blob, which costs space only, and is logged.
func (r *Registry) dropModule(ctx context.Context, sha string) {
	if sha == "" {
		return
	}
	all, err := r.store.ListPlugins(ctx)
	if err == nil {
		for _, p := range all {
			for _, v := range p.Versions {
				if v.WasmSHA256 == sha && v.Status != StatusRejected {
					return
				}
			}
		}
		err = r.store.DeleteBlob(ctx, sha)
	}
	if err != nil {
		r.log.WarnContext(ctx, "rejected module not deleted", "sha256", sha, logKeyErr, err)
	}
}

// cleanReason makes a reason one bounded line of printable text.
func cleanReason(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if len(s) > maxReason {
		s = strings.ToValidUTF8(s[:maxReason], "") + "..."
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
