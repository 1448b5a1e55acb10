package host

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/secure-agent/saa/host/agents/agentstore"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/backend"
	"github.com/secure-agent/saa/host/pgstore"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/store"
)

// openDatabase opens the database the configuration names: the caller's
// bbolt DB, PostgreSQL at DatabaseURL, or DataDir/saa.db. owned says
// whether the runtime must close it.
func openDatabase(ctx context.Context, cfg Config) (db backend.DB, bolt *store.DB, owned bool, err error) {
	switch {
	case cfg.DB != nil:
		return boltDB{cfg.DB}, cfg.DB, false, nil
	case cfg.DatabaseURL != "":
		// A key generated into one replica's data dir would seal secrets
		// that no other replica can open.
		if getenv(cfg)(secrets.MasterKeyEnv) == "" {
			return nil, nil, false, fmt.Errorf("SAA_DATABASE_URL: set %s too: replicas sharing a database must seal secrets with one key", secrets.MasterKeyEnv)
		}
		pg, err := pgstore.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, nil, false, fmt.Errorf("SAA_DATABASE_URL: %w", err)
		}
		return pgDB{pg}, nil, true, nil
	}
	b, err := store.Open(filepath.Join(cfg.DataDir, "saa.db"))
	if err != nil {
		return nil, nil, false, err
	}
	return boltDB{b}, b, true, nil
}

func getenv(cfg Config) func(string) string {
	if cfg.Getenv != nil {
		return cfg.Getenv
	}
	return os.Getenv
}

// keyChecker is a database that records which master key seals its
// secrets (PostgreSQL, shared by replicas).
type keyChecker interface {
	CheckMasterKey(ctx context.Context, check []byte) error
}

// checkMasterKey refuses a master key other than the one db's secrets are
// sealed with, if db can tell.
func checkMasterKey(ctx context.Context, db backend.DB, key []byte) error {
	kc, ok := db.(keyChecker)
	if !ok {
		return nil
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("saa-master-key-check-v1"))
	if err := kc.CheckMasterKey(ctx, mac.Sum(nil)); err != nil {
		return fmt.Errorf("%s: %w", secrets.MasterKeyEnv, err)
	}
	return nil
}

// boltDB is the embedded database as a backend.ServerDB: the same stores,
// returned as the interfaces their users define.
type boltDB struct{ db *store.DB }

var _ backend.ServerDB = boltDB{}

func (b boltDB) Auth() authstore.Store                  { return b.db.Auth() }
func (b boltDB) Audit() audit.Store                     { return b.db.Audit() }
func (b boltDB) Secrets() secrets.Backend               { return b.db.Secrets() }
func (b boltDB) Accounts() secrets.Backend              { return b.db.Accounts() }
func (b boltDB) Registry() registry.Store               { return b.db.Registry() }
func (b boltDB) Runs() runstore.Store                   { return b.db.Runs() }
func (b boltDB) Idempotency() runstore.IdempotencyStore { return b.db.Idempotency() }
func (b boltDB) ClientLimits() backend.DocumentStore    { return b.db.ClientLimits() }
func (b boltDB) Close() error                           { return b.db.Close() }
func (b boltDB) AgentDefinitions() agentstore.Store     { return b.db.AgentDefinitions() }

// pgDB is PostgreSQL as a backend.ServerDB. pgstore returns its stores as
// concrete types (their tests use methods beyond the interfaces, such as
// the run leases); here they are returned as the interfaces, and every
// other method of *pgstore.DB (the master key check, agent executors,
// agent definitions) is promoted unchanged.
type pgDB struct{ *pgstore.DB }

var (
	_ backend.ServerDB = pgDB{}
	_ backend.AgentsDB = pgDB{}
	_ backend.AgentsDB = boltDB{}
)

func (p pgDB) Registry() registry.Store               { return p.DB.Registry() }
func (p pgDB) Runs() runstore.Store                   { return p.DB.Runs() }
func (p pgDB) Idempotency() runstore.IdempotencyStore { return p.DB.Idempotency() }
func (p pgDB) ClientLimits() backend.DocumentStore    { return p.DB.ClientLimits() }
