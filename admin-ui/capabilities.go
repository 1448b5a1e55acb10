package adminui

import (
	"fmt"
	"strings"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/manifests"
)

// Badge classes the stylesheet knows.
const (
	badgeOK      = "badge-ok"
	badgeWarn    = "badge-warn"
	badgeBad     = "badge-bad"
	badgeNeutral = "badge-neutral"
)

// capabilities is everything a manifest lets a plugin do, laid out for
// review.
type capabilities struct {
	Egress  []string
	Secrets []secretCap
	Actions []actionCap
	Limits  []labelled
}

type secretCap struct {
	Name, Header, Format string
	Hosts                []string
	// PerUserProvider names the provider of a per-user secret.
	PerUserProvider string
}

type actionCap struct {
	Name, Description string
	Effect            string
	EffectClass       string
	Scopes            []string
}

// labelled is a name and a formatted value.
type labelled struct{ Label, Value string }

// capabilitiesOf lays out m for review.
func capabilitiesOf(m *manifests.Manifest) capabilities {
	c := capabilities{Egress: m.Egress, Limits: limitsOf(m.Limits)}
	for _, s := range m.Secrets {
		sc := secretCap{Name: s.Name, Header: s.Header, Format: s.Format, Hosts: s.Hosts}
		if s.PerUser {
			sc.PerUserProvider = s.OAuth.Provider
		}
		c.Secrets = append(c.Secrets, sc)
	}
	for _, a := range m.Actions {
		c.Actions = append(c.Actions, actionCap{
			Name: a.Name, Description: a.Description, Effect: string(a.Effect),
			EffectClass: effectClass(a.Effect), Scopes: m.NamespacedScopes(a),
		})
	}
	return c
}

func effectClass(e manifests.Effect) string {
	switch e {
	case manifests.EffectWrite:
		return badgeWarn
	case manifests.EffectDestructive:
		return badgeBad
	}
	return badgeNeutral
}

// limitsOf formats a manifest's limits; zero means the operator's default.
func limitsOf(l manifests.Limits) []labelled {
	orDefault := func(zero bool, v string) string {
		if zero {
			return "operator default"
		}
		return v
	}
	return []labelled{
		{"Memory", orDefault(l.MemoryBytes == 0, byteSize(l.MemoryBytes))},
		{"Timeout", orDefault(l.Timeout == 0, l.Timeout.String())},
		{"Largest output", orDefault(l.MaxOutput == 0, byteSize(l.MaxOutput))},
	}
}

// byteSize formats n bytes in binary units, exactly when it can.
func byteSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// sigView says what a bundle's signature is worth.
type sigView struct {
	Label, Class, KeyID string
}

func signatureOf(s registry.Signature) sigView {
	v := sigView{KeyID: s.KeyID}
	switch {
	case !s.Signed:
		v.Label, v.Class = "Unsigned", badgeWarn
	case !s.Valid:
		v.Label, v.Class = "Invalid signature", badgeBad
	case !s.Trusted:
		v.Label, v.Class = "Valid signature, key not trusted", badgeWarn
	default:
		v.Label, v.Class = "Signed by a trusted key", badgeOK
	}
	return v
}

// diffView is what a version asks for compared with the active one.
type diffView struct {
	// Serving is true for the active version itself: nothing to compare.
	Serving bool
	// First is true when there is no active version to compare with.
	First       bool
	Empty       bool
	AsksForMore bool
	Sections    []diffSection
	// WeakerLimits are limits the version loosens.
	WeakerLimits []string
}

type diffSection struct {
	Title          string
	Added, Removed []string
}

func diffOf(d *registry.Diff) diffView {
	if d == nil {
		return diffView{First: true, AsksForMore: true}
	}
	v := diffView{Empty: d.Empty(), AsksForMore: d.AsksForMore(), WeakerLimits: d.WeakerLimits}
	for _, s := range []diffSection{
		{"Egress hosts", d.AddedEgress, d.RemovedEgress},
		{"Secrets", d.AddedSecrets, d.RemovedSecrets},
		{"Scopes", d.AddedScopes, d.RemovedScopes},
		{"Actions", d.AddedActions, d.RemovedActions},
		{"Actions that can do more or need fewer scopes", d.ChangedActions, nil},
	} {
		if len(s.Added)+len(s.Removed) > 0 {
			v.Sections = append(v.Sections, s)
		}
	}
	return v
}

func statusClass(s registry.Status) string {
	switch s {
	case registry.StatusApproved:
		return badgeOK
	case registry.StatusPending:
		return badgeWarn
	case registry.StatusRejected:
		return badgeBad
	}
	return badgeNeutral
}

// shortHash abbreviates a hex digest for tables; pages with room show it whole.
func shortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12] + "…"
}

// joinOrNone joins names, or says there are none.
func joinOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
