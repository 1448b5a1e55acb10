package manifests

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema.json
var schemaJSON []byte

// schemaID is the $id of schema.json.
const schemaID = "https://github.com/secure-agent/saa/manifests/schema.json"

// errNoFetch is returned by denyLoader for every URL.
var errNoFetch = errors.New("remote and file references are not allowed")

// SchemaJSON returns a copy of schema.json, the authoritative JSON Schema
// (draft 2020-12) of the manifest format.
func SchemaJSON() []byte { return bytes.Clone(schemaJSON) }

// manifestSchema is schema.json compiled once.
var manifestSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("decode schema.json: %w", err)
	}
	return compileDoc(schemaID, doc)
})

// denyLoader is the URL loader of every compiler in this package: it refuses
// every URL, so a schema can never make the validator read a file or fetch
// anything over the network. The draft meta-schemas are embedded in
// jsonschema and never reach the loader.
type denyLoader struct{}

// Load refuses url.
func (denyLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("load %s: %w", url, errNoFetch)
}

// compileDoc compiles doc, a value decoded by jsonschema.UnmarshalJSON, as
// the resource at loc. Each call uses a fresh compiler, so that one schema's
// $id cannot shadow another's. "format" is asserted, not just annotated:
// authors who write "format: uri" expect the host to refuse other strings.
func compileDoc(loc string, doc any) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(denyLoader{})
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("add schema: %w", err)
	}
	return c.Compile(loc)
}
