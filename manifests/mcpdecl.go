package manifests

import (
	"fmt"
	"strings"
)

// Resource is a resource the plugin serves over MCP: a fixed URI or a URI
// template (RFC 6570 level 1), read by one of its actions. The host reads
// it through the runtime like any call, so a reader needs the scopes of
// Action.
type Resource struct {
	URI         string `json:"uri,omitempty"`
	URITemplate string `json:"uri_template,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	MIMEType    string `json:"mime_type,omitempty"`
	// Action reads the resource: its input is {"uri": ...} plus the
	// template's variables, its output an MCP resources/read result.
	Action string `json:"action"`
	// Subscribe marks a resource clients may subscribe to.
	Subscribe bool `json:"subscribe,omitempty"`
}

// Prompt is a prompt template the plugin serves over MCP, rendered by one
// of its actions: its input is the arguments, its output an MCP
// prompts/get result.
type Prompt struct {
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
	Action      string           `json:"action"`
}

// PromptArgument is one argument of a prompt.
type PromptArgument struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// checkMCPDecls refuses resources and prompts served by an undeclared
// action, declared twice, or a resource with both or neither of uri and
// uri_template.
func checkMCPDecls(m *Manifest) *FieldError {
	uris := map[string]bool{}
	for i, r := range m.Resources {
		field := fmt.Sprintf("resources[%d]", i)
		if (r.URI == "") == (r.URITemplate == "") {
			return fieldErr(field, "needs exactly one of uri and uri_template")
		}
		key := r.URI + r.URITemplate
		if strings.HasPrefix(key, "saa:") { // the schema allows only a lowercase scheme
			return fieldErr(field, "the saa: scheme is the host's own (its semantic layer and handles)")
		}
		if r.URITemplate != "" && !validTemplate(r.URITemplate) {
			return fieldErr(field+".uri_template", "needs balanced {name} variables")
		}
		if uris[key] {
			return fieldErr(field, fmt.Sprintf("duplicate resource %q", key))
		}
		uris[key] = true
		if _, ok := m.Action(r.Action); !ok {
			return fieldErr(field+".action", fmt.Sprintf("no action %q", r.Action))
		}
	}
	names := map[string]bool{}
	for i, p := range m.Prompts {
		field := fmt.Sprintf("prompts[%d]", i)
		if names[p.Name] {
			return fieldErr(field+".name", fmt.Sprintf("duplicate prompt %q", p.Name))
		}
		names[p.Name] = true
		if _, ok := m.Action(p.Action); !ok {
			return fieldErr(field+".action", fmt.Sprintf("no action %q", p.Action))
		}
		args := map[string]bool{}
		for j, a := range p.Arguments {
			if args[a.Name] {
				return fieldErr(fmt.Sprintf("%s.arguments[%d].name", field, j), fmt.Sprintf("duplicate argument %q", a.Name))
			}
			args[a.Name] = true
		}
	}
	return nil
}

// validTemplate reports whether every { has a matching } around a
// non-empty variable name, with no nesting.
func validTemplate(t string) bool {
	for {
		open := strings.IndexByte(t, '{')
		close := strings.IndexByte(t, '}')
		switch {
		case open < 0 && close < 0:
			return true
		case open < 0 || close < open+2:
			return false
		case strings.ContainsRune(t[open+1:close], '{'):
			return false
		}
		t = t[close+1:]
	}
}
