package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// MaxManifestSize is the largest manifest document Parse and Load accept.
const MaxManifestSize = 1 << 20

// rawManifest is the document as written, before limits are converted.
type rawManifest struct {
	Name        string      `json:"name"`
	Version     string      `json:"version"`
	Publisher   string      `json:"publisher"`
	Description string      `json:"description"`
	Wasm        Wasm        `json:"wasm"`
	Limits      rawLimits   `json:"limits"`
	Egress      []string    `json:"egress"`
	Secrets     []Secret    `json:"secrets"`
	Warehouses  []Warehouse `json:"warehouses"`
	Actions     []Action    `json:"actions"`
	Resources   []Resource  `json:"resources"`
	Prompts     []Prompt    `json:"prompts"`
}

// Parse reads a manifest written in YAML or JSON, validates it against
// schema.json and the rules the schema cannot express, and returns it with
// its limits converted and its action schemas compiled (see InputSchema).
//
// Every rejection wraps ErrInvalid; one of the content is a *FieldError
// naming the field. Documents over MaxManifestSize are refused before they
// are parsed. Duplicate keys are refused in both syntaxes.
func Parse(data []byte) (*Manifest, error) {
	js, err := decodeValid(data, "manifest", manifestSchema)
	if err != nil {
		return nil, err
	}
	return build(js)
}

// decodeValid reads a document written in YAML or JSON under the
// manifests' guards (bounded size, unique keys, one document) and validates
// it against the schema that compile returns; what names the schema in an
// error. It returns the document as JSON. A rejection of the content is a
// *FieldError naming the field.
func decodeValid(data []byte, what string, compile func() (*jsonschema.Schema, error)) ([]byte, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %w: %d bytes, limit %d", ErrInvalid, ErrTooLarge, len(data), MaxManifestSize)
	}
	js, ferr := toJSON(data)
	if ferr != nil {
		return nil, ferr
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, fieldErr("", "decode: "+err.Error())
	}
	sch, err := compile()
	if err != nil {
		return nil, fmt.Errorf("compile %s schema: %w", what, err)
	}
	if err := sch.Validate(doc); err != nil {
		return nil, schemaFieldError(err)
	}
	return js, nil
}

// toJSON returns the document as JSON: as is when it is valid JSON,
// converted from YAML otherwise. Either way its keys are unique and its
// nesting bounded.
func toJSON(data []byte) ([]byte, *FieldError) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fieldErr("", "empty document")
	}
	js := trimmed
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		var err error
		if js, err = yamlToJSON(data); err != nil {
			return nil, fieldErr("", "parse: "+err.Error())
		}
	}
	if err := checkJSON(js); err != nil {
		return nil, fieldErr("", err.Error())
	}
	return js, nil
}

// yamlToJSON converts a YAML document to JSON, refusing duplicate keys and
// a stream of more than one document (which the conversion alone would
// silently truncate to the first).
func yamlToJSON(data []byte) ([]byte, error) {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if err := dec.Decode(&v); err != io.EOF {
		return nil, errors.New("more than one YAML document")
	}
	return yaml.YAMLToJSONStrict(data)
}

// build decodes a schema-valid document and applies the semantic checks.
func build(js []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var raw rawManifest
	if err := dec.Decode(&raw); err != nil {
		return nil, fieldErr("", "decode: "+err.Error())
	}
	m := &Manifest{
		Name: raw.Name, Version: raw.Version, Publisher: raw.Publisher,
		Description: raw.Description, Wasm: raw.Wasm,
		Egress: raw.Egress, Secrets: raw.Secrets, Warehouses: raw.Warehouses, Actions: raw.Actions,
		Resources: raw.Resources, Prompts: raw.Prompts,
	}
	var ferr *FieldError
	if m.Limits, ferr = parseLimits(raw.Limits); ferr != nil {
		return nil, ferr
	}
	if ferr = check(m); ferr != nil {
		return nil, ferr
	}
	return m, nil
}
