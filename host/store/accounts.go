package store

import "github.com/secure-agent/saa/host/secrets"

// accountsBucket holds sealed connected-account tokens and OAuth provider
// configs (host/accounts), apart from plugins' secrets so that listing or
// compacting one never touches the other. Values arrive sealed.
const accountsBucket = "accounts"

// Accounts returns the secrets.Backend that keeps host/accounts' sealed
// records in db.
func (db *DB) Accounts() secrets.Backend { return boltSecrets{db: db, bucket: accountsBucket} }
