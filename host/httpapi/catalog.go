package httpapi

import (
	"encoding/json"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/httpapi/openapi"
	"github.com/secure-agent/saa/manifests"
)

// CatalogAction is one action as GET /v1/actions lists it.
type CatalogAction struct {
	Plugin         string          `json:"plugin"`
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Effect         string          `json:"effect"`
	RequiredScopes []string        `json:"required_scopes"`
	Input          json.RawMessage `json:"input"`
	Output         json.RawMessage `json:"output"`
	// Path is where to POST the input.
	Path string `json:"path"`
}

// Catalog is the body of GET /v1/actions.
type Catalog struct {
	Actions []CatalogAction `json:"actions"`
}

// OpenAITool is an action in OpenAI's function-calling form, as GET
// /v1/actions?format=openai lists it.
type OpenAITool struct {
	Type     string         `json:"type"`
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction describes a callable function to the model.
type OpenAIFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// catalog lists every action of plugins whose scopes p holds, in plugin then
// manifest order.
func catalog(plugins []*manifests.Manifest, p host.Principal) []CatalogAction {
	out := []CatalogAction{}
	for _, m := range plugins {
		for _, a := range m.Actions {
			scopes := m.NamespacedScopes(a)
			if !holdsAll(p, scopes) {
				continue
			}
			out = append(out, CatalogAction{
				Plugin:         m.Name,
				Name:           a.Name,
				Description:    a.Description,
				Effect:         string(a.Effect),
				RequiredScopes: scopes,
				Input:          a.Input,
				Output:         a.Output,
				Path:           actionPathOf(m.Name, a.Name),
			})
		}
	}
	return out
}

// actionPathOf is the REST path that invokes plugin.action.
func actionPathOf(plugin, action string) string { return openapi.ActionPath(plugin, action) }

func holdsAll(p host.Principal, scopes []string) bool {
	for _, s := range scopes {
		if !p.HasScope(s) {
			return false
		}
	}
	return true
}

// openAITools renders actions in OpenAI's function-calling form. The
// description ends with the path to call, since the function name alone
// cannot always carry it.
func openAITools(actions []CatalogAction) []OpenAITool {
	out := make([]OpenAITool, len(actions))
	for i, a := range actions {
		out[i] = OpenAITool{Type: "function", Function: OpenAIFunction{
			Name:        functionName(a.Plugin, a.Name),
			Description: a.Description + " (POST " + a.Path + ")",
			Parameters:  a.Input,
		}}
	}
	return out
}

// functionName is the tool name of plugin.action (manifests.ToolName), the
// same one agents offer to their models.
func functionName(plugin, action string) string { return manifests.ToolName(plugin, action) }
