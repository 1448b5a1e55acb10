package adminui

import (
	"slices"
	"strings"

	"github.com/secure-agent/saa/manifests"
)

// What a user is asked to grant is said in plain words: for each scope,
// the actions it lets the agent run (their descriptions and effects),
// grouped by plugin. The scope string is shown too, small, for those who
// want it, never alone.

// agentScopePrefix + name lets the agent run the agent called name for the
// user (agents.ScopeRunPrefix; hostscope.UserGrantable).
const agentScopePrefix = "agents:"

// permGroup is one plugin's scopes among those asked for.
type permGroup struct {
	Plugin      string
	Description string
	Perms       []permission
}

// permission is one scope and what it unlocks.
type permission struct {
	Scope   string
	Actions []permAction
	// Checked is the checkbox's state on the consent page.
	Checked bool
}

type permAction struct {
	Name, Description string
	// Effect says in words what the action does to the outside world.
	Effect      string
	EffectClass string
}

// effectWords says what an action's effect means for the user.
func effectWords(e manifests.Effect) string {
	switch e {
	case manifests.EffectWrite:
		return "makes changes"
	case manifests.EffectDestructive:
		return "can delete or destroy"
	}
	return "only reads"
}

// describeScopes groups scopes by the plugin that declares them, each with
// the actions it unlocks; scopes no running plugin declares go last, under
// "Other", with a note that nothing running uses them.
func describeScopes(running []*manifests.Manifest, scopes []string) []permGroup {
	var groups []permGroup
	var other, runAgents []permission
	for _, sc := range scopes {
		if name, ok := strings.CutPrefix(sc, agentScopePrefix); ok && name != "" {
			runAgents = append(runAgents, permission{Scope: sc, Checked: true, Actions: []permAction{{
				Name: name, Description: "Run the agent " + name + " for you", Effect: "changes wait for you", EffectClass: badgeNeutral,
			}}})
			continue
		}
		m := pluginOf(running, sc)
		if m == nil {
			other = append(other, permission{Scope: sc, Checked: true})
			continue
		}
		i := slices.IndexFunc(groups, func(g permGroup) bool { return g.Plugin == m.Name })
		if i < 0 {
			groups = append(groups, permGroup{Plugin: m.Name, Description: m.Description})
			i = len(groups) - 1
		}
		groups[i].Perms = append(groups[i].Perms, permission{Scope: sc, Actions: actionsNeeding(m, sc), Checked: true})
	}
	if len(runAgents) > 0 {
		groups = append(groups, permGroup{Plugin: "Agents", Perms: runAgents,
			Description: "An agent run for you uses only the actions you allow here, and every change it proposes waits for your approval on your account page."})
	}
	if len(other) > 0 {
		groups = append(groups, permGroup{Plugin: "Other", Description: "No running plugin uses these; they let the agent do nothing today.", Perms: other})
	}
	return groups
}

func pluginOf(running []*manifests.Manifest, scope string) *manifests.Manifest {
	ns, _, ok := strings.Cut(scope, ":")
	if !ok {
		return nil
	}
	for _, m := range running {
		if m.Name == ns {
			return m
		}
	}
	return nil
}

func actionsNeeding(m *manifests.Manifest, scope string) []permAction {
	var out []permAction
	for _, a := range m.Actions {
		if slices.Contains(m.NamespacedScopes(a), scope) {
			out = append(out, permAction{
				Name: a.Name, Description: a.Description,
				Effect: effectWords(a.Effect), EffectClass: effectClass(a.Effect),
			})
		}
	}
	return out
}
