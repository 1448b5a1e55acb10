package adminui

import (
	"cmp"
	"slices"
	"time"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/manifests"
)

// Plugin states as the pages name them.
const (
	stateServing    = "serving"
	stateDisabled   = "disabled"
	stateNotServing = "not serving"
	stateLocal      = "local"
)

// pluginRow is one line of the plugins page.
type pluginRow struct {
	Name, Description, Publisher string
	Active                       string
	State, StateClass            string
	Pending                      int
}

// pendingRow is one version waiting for review.
type pendingRow struct {
	Plugin, Version, Publisher, SubmittedBy string
	SubmittedAt                             time.Time
	Change, ChangeClass                     string
	Signature                               sigView
}

type pluginsData struct {
	Pending []pendingRow
	Plugins []pluginRow
}

// buildPlugins lays out the registry's plugins and the local ones (those
// running that the registry does not manage), sorted by name.
func buildPlugins(published []registry.Plugin, running []*manifests.Manifest) pluginsData {
	var d pluginsData
	managed := map[string]bool{}
	for _, p := range published {
		managed[p.Name] = true
		d.Plugins = append(d.Plugins, publishedRow(p))
		for _, v := range p.Versions {
			if v.Status == registry.StatusPending {
				d.Pending = append(d.Pending, pendingOf(v))
			}
		}
	}
	for _, m := range running {
		if !managed[m.Name] {
			d.Plugins = append(d.Plugins, pluginRow{
				Name: m.Name, Description: m.Description, Publisher: m.Publisher,
				Active: m.Version, State: stateLocal, StateClass: badgeNeutral,
			})
		}
	}
	slices.SortFunc(d.Plugins, func(a, b pluginRow) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(d.Pending, func(a, b pendingRow) int { return a.SubmittedAt.Compare(b.SubmittedAt) })
	return d
}

func publishedRow(p registry.Plugin) pluginRow {
	row := pluginRow{Name: p.Name, Active: p.Active, Publisher: p.Publisher}
	if v, ok := describing(p); ok {
		row.Description = v.Manifest.Description
	}
	for _, v := range p.Versions {
		if v.Status == registry.StatusPending {
			row.Pending++
		}
	}
	row.State, row.StateClass = pluginState(p)
	return row
}

// describing returns the version whose manifest describes p: the active
// one, else the newest.
func describing(p registry.Plugin) (registry.Version, bool) {
	for _, v := range p.Versions {
		if v.Version == p.Active && v.Manifest != nil {
			return v, true
		}
	}
	if len(p.Versions) > 0 && p.Versions[0].Manifest != nil {
		return p.Versions[0], true
	}
	return registry.Version{}, false
}

func pluginState(p registry.Plugin) (string, string) {
	switch {
	case !p.Enabled:
		return stateDisabled, badgeBad
	case p.Active == "":
		return stateNotServing, badgeWarn
	}
	return stateServing, badgeOK
}

func pendingOf(v registry.Version) pendingRow {
	row := pendingRow{
		Plugin: v.Plugin, Version: v.Version, Publisher: v.Publisher,
		SubmittedBy: v.SubmittedBy, SubmittedAt: v.SubmittedAt, Signature: signatureOf(v.Signature),
	}
	d := diffOf(v.Diff)
	switch {
	case d.First:
		row.Change, row.ChangeClass = "first version", badgeWarn
	case d.AsksForMore:
		row.Change, row.ChangeClass = "asks for more", badgeBad
	default:
		row.Change, row.ChangeClass = "no new capabilities", badgeOK
	}
	return row
}

// versionRow is one line of a plugin's version history.
type versionRow struct {
	Version, Status, StatusClass string
	SHA256                       string
	SubmittedAt, ReviewedAt      time.Time
	SubmittedBy, ReviewedBy      string
	Reason                       string
	Active, CanRollback          bool
}

// pluginData is the model of one plugin's page. A local plugin has no
// versions: its capabilities are shown directly.
type pluginData struct {
	Name, Description, Publisher string
	// Owners are the OAuth clients allowed to publish under Publisher.
	Owners            []string
	Active            string
	State, StateClass string
	Local, Enabled    bool
	Versions          []versionRow
	// Caps are the local plugin's capabilities.
	Caps *capabilities
}

func buildPublished(p registry.Plugin) pluginData {
	row := publishedRow(p)
	d := pluginData{
		Name: p.Name, Description: row.Description, Publisher: row.Publisher, Active: p.Active,
		State: row.State, StateClass: row.StateClass, Enabled: p.Enabled,
	}
	for _, v := range p.Versions {
		active := v.Version == p.Active
		d.Versions = append(d.Versions, versionRow{
			Version: v.Version, Status: string(v.Status), StatusClass: statusClass(v.Status),
			SHA256: shortHash(v.SHA256), SubmittedAt: v.SubmittedAt, SubmittedBy: v.SubmittedBy,
			ReviewedAt: v.ReviewedAt, ReviewedBy: v.ReviewedBy, Reason: v.Reason,
			Active: active, CanRollback: !active && v.Status == registry.StatusApproved,
		})
	}
	return d
}

func buildLocal(m *manifests.Manifest) pluginData {
	caps := capabilitiesOf(m)
	return pluginData{
		Name: m.Name, Description: m.Description, Publisher: m.Publisher, Active: m.Version,
		State: stateLocal, StateClass: badgeNeutral, Local: true, Enabled: true, Caps: &caps,
	}
}

// reviewData is the model of a version's review page.
type reviewData struct {
	Plugin, Version, Publisher, Description string
	Status, StatusClass, Reason             string
	Active                                  bool
	SHA256, Size                            string
	Signature                               sigView
	SubmittedAt, ReviewedAt                 time.Time
	SubmittedBy, ReviewedBy                 string
	Caps                                    capabilities
	Diff                                    diffView
	// Serving is the plugin's active version, "" if none.
	Serving string
	// Pending versions can be approved or rejected; approved ones that are
	// not active can be rolled back to.
	Pending, CanRollback bool
}

// buildReview lays out version v; serving names the plugin's active version.
func buildReview(v registry.Version, serving string) reviewData {
	d := reviewData{
		Plugin: v.Plugin, Version: v.Version, Publisher: v.Publisher,
		Status: string(v.Status), StatusClass: statusClass(v.Status), Reason: v.Reason,
		Active: v.Active, SHA256: v.SHA256, Size: byteSize(v.Size),
		Signature: signatureOf(v.Signature), SubmittedAt: v.SubmittedAt, SubmittedBy: v.SubmittedBy,
		ReviewedAt: v.ReviewedAt, ReviewedBy: v.ReviewedBy, Diff: diffOf(v.Diff),
		Pending: v.Status == registry.StatusPending, Serving: serving,
	}
	d.CanRollback = !d.Active && v.Status == registry.StatusApproved
	if d.Active {
		d.Diff = diffView{Serving: true}
	}
	if v.Manifest != nil {
		d.Description, d.Caps = v.Manifest.Description, capabilitiesOf(v.Manifest)
	}
	return d
}
