package registry

import (
	"fmt"
	"slices"
	"time"

	"github.com/secure-agent/saa/manifests"
)

// Diff lists what a version asks for beyond (Added) or below (Removed) the
// active one. Each list is sorted and never nil.
type Diff struct {
	AddedEgress    []string `json:"added_egress"`
	RemovedEgress  []string `json:"removed_egress"`
	AddedSecrets   []string `json:"added_secrets"` // "token → https://api.github.com as Authorization"
	RemovedSecrets []string `json:"removed_secrets"`
	AddedScopes    []string `json:"added_scopes"` // namespaced
	RemovedScopes  []string `json:"removed_scopes"`
	AddedActions   []string `json:"added_actions"`
	RemovedActions []string `json:"removed_actions"`
	// ChangedActions lists actions present in both whose effect grew or
	// that now require fewer scopes (callable by more tokens).
	ChangedActions []string `json:"changed_actions"`
	// WeakerLimits lists limits raised or dropped to the operator's cap
	// ("timeout 5s → 30s").
	WeakerLimits []string `json:"weaker_limits"`
}

// Empty reports whether the versions ask for the same things.
func (d *Diff) Empty() bool {
	return !d.AsksForMore() && len(d.RemovedEgress)+len(d.RemovedSecrets)+len(d.RemovedScopes)+len(d.RemovedActions) == 0
}

// AsksForMore reports whether the new version asks for anything the old
// one did not: a host, a secret or a host a secret goes to, a scope, an
// action, a bigger effect, fewer required scopes or a weaker limit.
func (d *Diff) AsksForMore() bool {
	return len(d.AddedEgress)+len(d.AddedSecrets)+len(d.AddedScopes)+len(d.AddedActions)+
		len(d.ChangedActions)+len(d.WeakerLimits) > 0
}

// Compare returns what to asks for compared with from.
func Compare(from, to *manifests.Manifest) *Diff {
	d := &Diff{}
	d.AddedEgress, d.RemovedEgress = setDiff(egressOf(from), egressOf(to))
	d.AddedSecrets, d.RemovedSecrets = setDiff(secretsOf(from), secretsOf(to))
	d.AddedScopes, d.RemovedScopes = setDiff(scopesOf(from), scopesOf(to))
	d.AddedActions, d.RemovedActions = setDiff(actionsOf(from), actionsOf(to))
	d.ChangedActions = changedActions(from, to)
	d.WeakerLimits = weakerLimits(from.Limits, to.Limits)
	return d
}

// setDiff returns what is in b and not a, and what is in a and not b, sorted.
func setDiff(a, b []string) (added, removed []string) {
	added, removed = []string{}, []string{}
	for _, s := range b {
		if !slices.Contains(a, s) && !slices.Contains(added, s) {
			added = append(added, s)
		}
	}
	for _, s := range a {
		if !slices.Contains(b, s) && !slices.Contains(removed, s) {
			removed = append(removed, s)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

func egressOf(m *manifests.Manifest) []string {
	var out []string
	for _, r := range m.EgressRules() {
		out = append(out, r.String())
	}
	return out
}

// secretsOf describes each place a secret is sent.
func secretsOf(m *manifests.Manifest) []string {
	var out []string
	for _, s := range m.Secrets {
		for _, r := range m.SecretRules(s.Name) {
			line := fmt.Sprintf("%s → %s as %s", s.Name, r.String(), s.Header)
			if s.PerUser {
				line += " (each user's " + s.OAuth.Provider + " account)"
			}
			out = append(out, line)
		}
	}
	return out
}

func scopesOf(m *manifests.Manifest) []string {
	var out []string
	for _, a := range m.Actions {
		out = append(out, m.NamespacedScopes(a)...)
	}
	return out
}

func actionsOf(m *manifests.Manifest) []string {
	var out []string
	for _, a := range m.Actions {
		out = append(out, a.Name)
	}
	return out
}

// effectRank orders effects by what they may do to the world.
var effectRank = map[manifests.Effect]int{
	manifests.EffectRead: 0, manifests.EffectWrite: 1, manifests.EffectDestructive: 2,
}

// changedActions lists, for actions in both, a grown effect and each scope
// no longer required.
func changedActions(from, to *manifests.Manifest) []string {
	out := []string{}
	for _, b := range to.Actions {
		a, ok := from.Action(b.Name)
		if !ok {
			continue
		}
		if effectRank[b.Effect] > effectRank[a.Effect] {
			out = append(out, fmt.Sprintf("%s: effect %s → %s", b.Name, a.Effect, b.Effect))
		}
		_, dropped := setDiff(from.NamespacedScopes(a), to.NamespacedScopes(b))
		for _, s := range dropped {
			out = append(out, fmt.Sprintf("%s: no longer requires %s", b.Name, s))
		}
	}
	slices.Sort(out)
	return out
}

// weakerLimits lists limits the new version raises. Zero means the
// operator's cap, the most a plugin can get.
func weakerLimits(from, to manifests.Limits) []string {
	out := []string{}
	weaker := func(old, new int64) bool { return old != 0 && (new == 0 || new > old) }
	if weaker(from.MemoryBytes, to.MemoryBytes) {
		out = append(out, "memory "+sizeText(from.MemoryBytes)+" → "+sizeText(to.MemoryBytes))
	}
	if weaker(int64(from.Timeout), int64(to.Timeout)) {
		out = append(out, "timeout "+durationText(from.Timeout)+" → "+durationText(to.Timeout))
	}
	if weaker(from.MaxOutput, to.MaxOutput) {
		out = append(out, "max_output "+sizeText(from.MaxOutput)+" → "+sizeText(to.MaxOutput))
	}
	return out
}

// operatorDefault names a limit left to the operator.
const operatorDefault = "operator default"

// sizeText renders a size in the largest binary unit that divides it.
func sizeText(n int64) string {
	switch {
	case n == 0:
		return operatorDefault
	case n%manifests.GiB == 0:
		return fmt.Sprintf("%dGiB", n/manifests.GiB)
	case n%manifests.MiB == 0:
		return fmt.Sprintf("%dMiB", n/manifests.MiB)
	case n%manifests.KiB == 0:
		return fmt.Sprintf("%dKiB", n/manifests.KiB)
	}
	return fmt.Sprintf("%dB", n)
}

func durationText(d time.Duration) string {
	if d == 0 {
		return operatorDefault
	}
	return d.String()
}
