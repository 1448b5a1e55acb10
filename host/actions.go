package host

import (
	"context"
	"encoding/json"
)

// ActionInfo describes an action as a caller that may call it sees it.
type ActionInfo struct {
	Plugin      string `json:"plugin"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Effect is the manifest's read, write or destructive.
	Effect string `json:"effect"`
	// Scopes are the namespaced scopes the action requires.
	Scopes []string `json:"required_scopes"`
	// Input is the action's input JSON Schema.
	Input json.RawMessage `json:"input"`
}

// Actions lists the actions of the loaded plugins that p holds every scope
// of, in plugin then manifest order. Agents build their tool lists from it.
func (rt *Runtime) Actions(_ context.Context, p Principal) ([]ActionInfo, error) {
	var out []ActionInfo
	for _, m := range rt.Plugins() {
		for _, a := range m.Actions {
			scopes := m.NamespacedScopes(a)
			if len(missingScopes(p, scopes)) > 0 {
				continue
			}
			out = append(out, ActionInfo{
				Plugin: m.Name, Name: a.Name, Description: a.Description,
				Effect: string(a.Effect), Scopes: scopes, Input: a.Input,
			})
		}
	}
	return out, nil
}
