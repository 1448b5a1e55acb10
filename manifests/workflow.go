package manifests

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed workflow.schema.json
var workflowSchemaJSON []byte

// workflowSchemaID is the $id of workflow.schema.json.
const workflowSchemaID = "https://github.com/secure-agent/saa/manifests/workflow.schema.json"

// WorkflowSchemaJSON returns a copy of workflow.schema.json, the
// authoritative JSON Schema of workflow definitions.
func WorkflowSchemaJSON() []byte { return bytes.Clone(workflowSchemaJSON) }

var workflowSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(workflowSchemaJSON))
	if err != nil {
		return nil, fmt.Errorf("decode workflow.schema.json: %w", err)
	}
	return compileDoc(workflowSchemaID, doc)
})

// ValidateWorkflow is ValidateAgent for workflow definitions (kind:
// workflow), against workflow.schema.json.
func ValidateWorkflow(data []byte) ([]byte, error) {
	return decodeValid(data, "workflow", workflowSchema)
}

// DefinitionKind returns the kind of a definition of SAA_AGENTS_DIR:
// "workflow", or "agent" when it names none. A document that does not
// decode is an error, as ValidateAgent would report it.
func DefinitionKind(data []byte) (string, error) {
	if len(data) > MaxManifestSize {
		return "", fmt.Errorf("%w: %w: %d bytes, limit %d", ErrInvalid, ErrTooLarge, len(data), MaxManifestSize)
	}
	js, ferr := toJSON(data)
	if ferr != nil {
		return "", ferr
	}
	var head struct {
		Kind any `json:"kind"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return "", fieldErr("", "decode: "+err.Error())
	}
	switch head.Kind {
	case nil, "agent":
		return "agent", nil
	case "workflow":
		return "workflow", nil
	}
	return "", fieldErr("kind", `must be "agent" or "workflow"`)
}
