// Package backend names, as interfaces, everything SAA persists, so that
// the runtime and the server run on either database: bbolt, embedded
// (host/store), or PostgreSQL, shared by replicas (host/pgstore). Each
// getter returns a store interface that its users define and whose
// conformance suite both backends run.
//
// DB holds what the runtime itself needs; the server's other stores are
// optional interfaces, so that a backend that lacks one is refused at start
// with a clear error (Server) instead of failing on first use. It must never
// import a database driver or grow behaviour: it is the contract only.
package backend

import (
	"context"
	"errors"
	"fmt"

	"github.com/secure-agent/saa/host/agents/agentstore"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/secrets"
)

// ErrMissingStore is returned (wrapped, naming the store) by Server for a
// backend that does not provide a store the server needs.
var ErrMissingStore = errors.New("store not available")

// DB is an open database: the stores the runtime uses, and the
// authorization server's.
type DB interface {
	Auth() authstore.Store
	Audit() audit.Store
	Secrets() secrets.Backend
	// Accounts keeps host/accounts' sealed records (users' connected
	// accounts and OAuth provider configs) apart from plugins' secrets.
	Accounts() secrets.Backend
	Close() error
}

// RegistryDB keeps published plugins.
type RegistryDB interface {
	Registry() registry.Store
}

// RunsDB keeps async runs and idempotency keys.
type RunsDB interface {
	Runs() runstore.Store
	Idempotency() runstore.IdempotencyStore
}

// LimitsDB keeps the request limits an admin set per client.
type LimitsDB interface {
	ClientLimits() DocumentStore
}

// AgentsDB keeps the agent definitions an admin stores through the API.
// It is optional: the server keeps such definitions only on a backend that
// has it, and says so otherwise.
type AgentsDB interface {
	AgentDefinitions() agentstore.Store
}

// DocumentStore keeps one opaque JSON document per client; the HTTP layer
// encodes it (httpapi.StoredLimits).
type DocumentStore interface {
	Get(ctx context.Context, clientID string) (doc []byte, ok bool, err error)
	Put(ctx context.Context, clientID string, doc []byte) error
	Delete(ctx context.Context, clientID string) error
}

// ServerDB is every store `saa serve` needs.
type ServerDB interface {
	DB
	RegistryDB
	RunsDB
	LimitsDB
}

// Server returns db as a ServerDB, or an error wrapping ErrMissingStore that
// names the first store db lacks.
func Server(db DB) (ServerDB, error) {
	checks := []struct {
		name string
		ok   bool
	}{
		{"runs", is[RunsDB](db)},
		{"registry", is[RegistryDB](db)},
		{"client limits", is[LimitsDB](db)},
	}
	for _, c := range checks {
		if !c.ok {
			return nil, fmt.Errorf("%s %w", c.name, ErrMissingStore)
		}
	}
	return db.(ServerDB), nil
}

func is[T any](db DB) bool {
	_, ok := db.(T)
	return ok
}
