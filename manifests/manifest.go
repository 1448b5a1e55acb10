// Package manifests parses and validates plugin manifests: the declaration of
// everything a plugin may do (its actions and their scopes, the hosts it may
// reach, the secrets it uses, its limits). The runtime enforces exactly what a
// manifest says, so this parser is the first line of defence against a hostile
// publisher: every field is checked, unknown fields are refused, and each
// error names the field and the reason.
//
// It must never fetch or read anything a manifest points to on its own: the
// JSON Schemas of actions resolve references within themselves only, and the
// module is read only through WasmFile and ReadWasm, under a root the caller
// trusts and against the pinned SHA-256.
//
// The folder also holds the first-party manifests and schema.json, the
// authoritative JSON Schema of the format, embedded here.
package manifests

import (
	"encoding/json"
	"time"
)

// Manifest is a parsed, validated plugin manifest.
type Manifest struct {
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Publisher   string   `json:"publisher"`
	Description string   `json:"description"`
	Wasm        Wasm     `json:"wasm"`
	Limits      Limits   `json:"limits"`
	Egress      []string `json:"egress"`
	Secrets     []Secret `json:"secrets"`
	// Warehouses are the warehouses the plugin may read (saa_warehouse).
	Warehouses []Warehouse `json:"warehouses,omitempty"`
	Actions    []Action    `json:"actions"`
	// Resources and Prompts are served over MCP, each by an action.
	Resources []Resource `json:"resources,omitempty"`
	Prompts   []Prompt   `json:"prompts,omitempty"`

	// schemas are the compiled input and output schemas by action name,
	// set by Parse; see InputSchema.
	schemas map[string]actionSchemas
}

// Warehouse is a warehouse a plugin declares by name; the operator binds
// the name to a database.
type Warehouse struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// DeclaresWarehouse reports whether m declares the warehouse name.
func (m *Manifest) DeclaresWarehouse(name string) bool {
	for _, w := range m.Warehouses {
		if w.Name == name {
			return true
		}
	}
	return false
}

// Wasm locates the plugin's module and pins its content.
type Wasm struct {
	// Path is relative to the manifest's folder, as written in the manifest.
	Path string `json:"path"`
	// SHA256 is the lowercase hex digest the module must match before it is compiled.
	SHA256 string `json:"sha256"`
}

// Limits bound one call of the plugin. Zero values mean "the operator's default".
type Limits struct {
	MemoryBytes int64         `json:"memory"`
	Timeout     time.Duration `json:"timeout"`
	MaxOutput   int64         `json:"max_output"`
}

// Secret is a secret the plugin may reference by name; the host injects its
// value into Header, formatted by Format ("Bearer {{value}}"), on requests to
// Hosts only.
//
// A PerUser secret has no stored value of its own: it is the calling user's
// access token from the account they connected at OAuth.Provider, looked up
// by the principal's subject at egress.
type Secret struct {
	Name    string       `json:"name"`
	Hosts   []string     `json:"hosts"`
	Header  string       `json:"header"`
	Format  string       `json:"format"`
	PerUser bool         `json:"per_user,omitempty"`
	OAuth   *SecretOAuth `json:"oauth,omitempty"`
}

// SecretOAuth names the OAuth provider a per-user secret comes from, and the
// scopes the user is asked to grant when connecting it.
type SecretOAuth struct {
	Provider string   `json:"provider"`
	Scopes   []string `json:"scopes,omitempty"`
}

// PerUserSecrets returns the plugin's per-user secrets.
func (m *Manifest) PerUserSecrets() []Secret {
	var out []Secret
	for _, s := range m.Secrets {
		if s.PerUser {
			out = append(out, s)
		}
	}
	return out
}

// Effect says what an action does to the world, for review and for agents.
type Effect string

// The effects an action may declare.
const (
	EffectRead        Effect = "read"
	EffectWrite       Effect = "write"
	EffectDestructive Effect = "destructive"
)

// Action is one callable export of the plugin. The wasm export has the
// action's name.
type Action struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Scopes      []string        `json:"scopes"`
	Effect      Effect          `json:"effect"`
	Input       json.RawMessage `json:"input"`
	Output      json.RawMessage `json:"output"`
	// RAG, when set, turns an output larger than its threshold into a
	// searchable handle instead of returning it whole.
	RAG *RAG `json:"rag,omitempty"`
}

// NamespacedScopes returns the action's scopes as the host grants them:
// "<plugin>:<scope>", so that no plugin can claim another's scope.
func (m *Manifest) NamespacedScopes(a Action) []string {
	out := make([]string, len(a.Scopes))
	for i, s := range a.Scopes {
		out[i] = m.Name + ":" + s
	}
	return out
}

// Action returns the action called name.
func (m *Manifest) Action(name string) (Action, bool) {
	for _, a := range m.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}
