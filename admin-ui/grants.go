package adminui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/manifests"
)

// Form fields of the grant form: actions picked, and raw scopes.
const (
	fieldAction = "action"
	fieldScope  = "scope"
)

// serverScopes are the scopes with a meaning to the server itself, offered
// beside the actions.
var serverScopes = []scopeOption{
	{Scope: auth.ScopeAdmin, Description: "Use the admin API with every admin power."},
	{Scope: auth.ScopeIntrospect, Description: "Call the token introspection endpoint."},
}

// actionOption is one action a client can be granted. Granting it grants
// every scope it requires.
type actionOption struct {
	// Key is "plugin.action", the form value.
	Key                 string
	Action, Description string
	Effect, EffectClass string
	Scopes              []string
	Checked             bool
}

type pluginGroup struct {
	Plugin  string
	Actions []actionOption
}

type scopeOption struct {
	Scope, Description string
	Checked            bool
}

// grantForm is what a client may be granted, and what it holds.
type grantForm struct {
	Groups []pluginGroup
	Server []scopeOption
	// Other are scopes the client holds that no running action or server
	// scope names (a plugin removed since, say), so they can be revoked.
	Other []scopeOption
}

// buildGrantForm offers every running action and the server scopes, checked
// where held grants them.
func buildGrantForm(running []*manifests.Manifest, held []string) grantForm {
	var f grantForm
	known := map[string]bool{}
	for _, m := range running {
		g := pluginGroup{Plugin: m.Name}
		for _, a := range m.Actions {
			scopes := m.NamespacedScopes(a)
			for _, s := range scopes {
				known[s] = true
			}
			g.Actions = append(g.Actions, actionOption{
				Key: m.Name + "." + a.Name, Action: a.Name, Description: a.Description,
				Effect: string(a.Effect), EffectClass: effectClass(a.Effect), Scopes: scopes,
				Checked: len(scopes) > 0 && containsAll(held, scopes),
			})
		}
		f.Groups = append(f.Groups, g)
	}
	for _, s := range serverScopes {
		known[s.Scope] = true
		s.Checked = slices.Contains(held, s.Scope)
		f.Server = append(f.Server, s)
	}
	for _, s := range held {
		if !known[s] {
			f.Other = append(f.Other, scopeOption{Scope: s, Checked: true})
		}
	}
	return f
}

// scopesFor returns the scopes that grant the picked actions (by key) and
// the raw scopes, without duplicates, in a stable order.
func scopesFor(running []*manifests.Manifest, actions, scopes []string) ([]string, error) {
	var out []string
	for _, key := range actions {
		m, a, ok := findAction(running, key)
		if !ok {
			return nil, fmt.Errorf("there is no action %q any more; reload the page", key)
		}
		out = append(out, m.NamespacedScopes(a)...)
	}
	out = append(out, scopes...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

func findAction(running []*manifests.Manifest, key string) (*manifests.Manifest, manifests.Action, bool) {
	plugin, action, ok := strings.Cut(key, ".")
	if !ok {
		return nil, manifests.Action{}, false
	}
	for _, m := range running {
		if m.Name == plugin {
			a, ok := m.Action(action)
			return m, a, ok
		}
	}
	return nil, manifests.Action{}, false
}

// grantedActions names the running actions scopes grant, and the server
// scopes among them.
func grantedActions(running []*manifests.Manifest, scopes []string) []string {
	var out []string
	for _, m := range running {
		for _, a := range m.Actions {
			if s := m.NamespacedScopes(a); len(s) > 0 && containsAll(scopes, s) {
				out = append(out, m.Name+"."+a.Name)
			}
		}
	}
	for _, s := range serverScopes {
		if slices.Contains(scopes, s.Scope) {
			out = append(out, s.Scope)
		}
	}
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
