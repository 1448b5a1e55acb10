// Package agentstore is the storage contract of the agent definitions an
// admin manages through the API: documents (YAML or JSON, as given) by
// agent name. It sits apart from host/agents so that host/store can
// implement it without importing the agent loop; agentstoretest is the
// conformance suite every backend runs.
//
// A store keeps documents only. It must never parse, validate or trust
// them: host/agents validates every document it loads or is given.
package agentstore

import (
	"context"
	"errors"
)

// Store keeps agent definition documents by agent name.
type Store interface {
	// List returns every stored definition, sorted by name.
	List(ctx context.Context) ([]Definition, error)
	// Put stores doc under name, replacing any previous one.
	Put(ctx context.Context, name string, doc []byte) error
	// Delete removes name; ErrNotFound if there is none.
	Delete(ctx context.Context, name string) error
}

// Definition is one stored document.
type Definition struct {
	Name string
	Doc  []byte
}

// ErrNotFound means no definition of that name is stored.
var ErrNotFound = errors.New("no such agent definition")
