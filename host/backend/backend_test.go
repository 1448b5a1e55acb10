package backend_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/backend"
	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/runs/runstore"
	"github.com/secure-agent/saa/host/secrets"
)

// core has only the runtime's stores.
type core struct{}

func (core) Auth() authstore.Store     { return nil }
func (core) Audit() audit.Store        { return nil }
func (core) Secrets() secrets.Backend  { return nil }
func (core) Accounts() secrets.Backend { return nil }
func (core) Close() error              { return nil }

type withRuns struct{ core }

func (withRuns) Runs() runstore.Store                   { return nil }
func (withRuns) Idempotency() runstore.IdempotencyStore { return nil }

type withRegistry struct{ withRuns }

func (withRegistry) Registry() registry.Store { return nil }

type full struct{ withRegistry }

func (full) ClientLimits() backend.DocumentStore { return nil }

func TestServerNamesTheMissingStore(t *testing.T) {
	cases := []struct {
		name string
		db   backend.DB
		want string
	}{
		{"core only", core{}, "runs store"},
		{"no registry", withRuns{}, "registry store"},
		{"no limits", withRegistry{}, "client limits store"},
		{"every store", full{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := backend.Server(c.db)
			if c.want == "" {
				if err != nil || got == nil {
					t.Fatalf("Server = %v, %v", got, err)
				}
				return
			}
			if !errors.Is(err, backend.ErrMissingStore) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Server = %v, want ErrMissingStore naming %q", err, c.want)
			}
		})
	}
}
