package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// actionSchemas are an action's compiled input and output schemas.
type actionSchemas struct {
	input, output *jsonschema.Schema
}

// compileActions refuses duplicate action names, rewrites each action's
// input and output in canonical JSON, and compiles them into m.schemas.
func compileActions(m *Manifest) *FieldError {
	m.schemas = make(map[string]actionSchemas, len(m.Actions))
	for i := range m.Actions {
		a := &m.Actions[i]
		field := fmt.Sprintf("actions[%d]", i)
		if _, dup := m.schemas[a.Name]; dup {
			return fieldErr(field+".name", fmt.Sprintf("duplicate action %q", a.Name))
		}
		var s actionSchemas
		var err *FieldError
		if a.Input, s.input, err = compileSchema(field+".input", m.Name, a.Name, a.Input); err != nil {
			return err
		}
		if a.Output, s.output, err = compileSchema(field+".output", m.Name, a.Name, a.Output); err != nil {
			return err
		}
		m.schemas[a.Name] = s
	}
	return nil
}

// compileSchema compiles one JSON Schema of an action. It returns the schema
// in canonical JSON (keys sorted), so that YAML and JSON manifests yield the
// same bytes. References are resolved within the schema only: anything else
// fails to compile and is never fetched.
func compileSchema(field, plugin, action string, raw json.RawMessage) (json.RawMessage, *jsonschema.Schema, *FieldError) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fieldErr(field, "decode: "+err.Error())
	}
	canon, err := canonicalJSON(doc)
	if err != nil {
		return nil, nil, fieldErr(field, "encode: "+err.Error())
	}
	loc := "https://plugins.saa.invalid/" + plugin + "/" + action + "/" + lastSegment(field) + ".json"
	sch, err := compileDoc(loc, doc)
	if err != nil {
		return nil, nil, compileError(field, err)
	}
	return canon, sch, nil
}

// compileError names the keyword of an action schema that failed to
// compile, when the failure is against the draft's meta-schema.
func compileError(field string, err error) *FieldError {
	var sve *jsonschema.SchemaValidationError
	if !errors.As(err, &sve) {
		return fieldErr(field, "invalid JSON Schema: "+err.Error())
	}
	leaf := schemaFieldError(sve.Err)
	switch {
	case leaf.Field == "":
	case strings.HasPrefix(leaf.Field, "["):
		field += leaf.Field
	default:
		field += "." + leaf.Field
	}
	return fieldErr(field, "invalid JSON Schema: "+leaf.Reason)
}

// lastSegment returns "input" for "actions[0].input".
func lastSegment(field string) string {
	for i := len(field) - 1; i >= 0; i-- {
		if field[i] == '.' {
			return field[i+1:]
		}
	}
	return field
}

// canonicalJSON encodes v compactly, with sorted keys and without HTML
// escaping.
func canonicalJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// InputSchema returns the compiled JSON Schema of the named action's input,
// or nil when there is no such action or m was not built by Parse (or Load).
// Validate values decoded with jsonschema.UnmarshalJSON (numbers as
// json.Number). A compiled schema is immutable and safe for concurrent use.
func (m *Manifest) InputSchema(action string) *jsonschema.Schema {
	return m.schemas[action].input
}

// OutputSchema is InputSchema for the action's output.
func (m *Manifest) OutputSchema(action string) *jsonschema.Schema {
	return m.schemas[action].output
}
