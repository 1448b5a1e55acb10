package manifests

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed agent.schema.json
var agentSchemaJSON []byte

// agentSchemaID is the $id of agent.schema.json.
const agentSchemaID = "https://github.com/secure-agent/saa/manifests/agent.schema.json"

// AgentSchemaJSON returns a copy of agent.schema.json, the authoritative
// JSON Schema of agent definitions.
func AgentSchemaJSON() []byte { return bytes.Clone(agentSchemaJSON) }

var agentSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(agentSchemaJSON))
	if err != nil {
		return nil, fmt.Errorf("decode agent.schema.json: %w", err)
	}
	return compileDoc(agentSchemaID, doc)
})

// ValidateAgent reads an agent definition written in YAML or JSON and
// validates it against agent.schema.json, with the manifests' guards:
// bounded size, unique keys, one document. It returns the definition as
// JSON. A rejection is a *FieldError naming the field.
func ValidateAgent(data []byte) ([]byte, error) {
	return decodeValid(data, "agent", agentSchema)
}

// CompileSchema compiles a JSON Schema received from elsewhere (such as a
// remote SAA's catalog) under the same rules as manifests' own: draft
// 2020-12, formats asserted, no reference leaves the document.
func CompileSchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	return compileDoc("https://remote.saa.invalid/schema.json", doc)
}
